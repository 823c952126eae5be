import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../main/data/rng';
import type { TrainSet } from '../../main/data/split';
import { BPR } from '../../main/engine/models/bpr';
import type { GumbelSource } from '../../main/engine/kd/de';
import type { KDFlavour } from '../../main/contract';
import { frozenGuide, GuideKD } from '../../main/engine/kd/guide';
import type { PhrEnrichment } from '../../main/contract';
import { HyperKDMA, type HyperKDMAOptions, type TaSource } from '../../main/engine/kd/hyperkdma';
import type { Param } from '../../main/engine/params';
import { expect } from 'vitest';
import { at, expectClose, flat, G, leaves } from './golden';

export const C = G.config;

/** Loads golden values into parameters whose names are golden paths (`ta_de.0.user.W1`). */
export function loadGolden(params: Param[]): void {
  for (const p of params) {
    if (p.name === 'user') p.data.set(flat(G.params.student.user_emb));
    else if (p.name === 'item') p.data.set(flat(G.params.student.item_emb));
    else if (isGolden(p.name)) p.data.set(flat(at(G.params, p.name)));
  }
}

/** Whether the fixture holds a parameter by this name (a frozen part of HyperKDMA, say). */
const isGolden = (path: string): boolean =>
  path
    .split('.')
    .reduce<unknown>(
      (t, k) => (t && typeof t === 'object' ? (t as Record<string, unknown>)[k] : undefined),
      G.params,
    ) !== undefined;

export const goldenGumbel: GumbelSource = (module, set) => {
  const block =
    module === 'teacher_de'
      ? G.inputs.gumbel.teacher_de
      : G.inputs.gumbel.ta_de[Number(module.split('.')[1])];
  return tf.tensor2d(block[set]);
};

export const goldenBatch = () => ({
  users: Int32Array.from(G.inputs.batch.map((r: number[]) => r[0])),
  pos: Int32Array.from(G.inputs.batch.map((r: number[]) => r[1])),
  neg: Int32Array.from(G.inputs.batch.map((r: number[]) => r[2])),
});

/** The training matrix R of the fixture as a TrainSet (sorted items per user). */
export function goldenTrainSet(): TrainSet {
  const R: number[][] = G.inputs.train_matrix;
  const userPtr = new Int32Array(R.length + 1);
  const items: number[] = [];
  R.forEach((row, u) => {
    row.forEach((v, i) => v && items.push(i));
    userPtr[u + 1] = items.length;
  });
  return { nUsers: R.length, nItems: R[0].length, userPtr, items: Int32Array.from(items) };
}

export const goldenTeacher = () =>
  frozenGuide('teacher', C.d_T, {
    users: Float32Array.from(flat(G.inputs.teacher.user_emb)),
    items: Float32Array.from(flat(G.inputs.teacher.item_emb)),
  });

export function goldenGuideKD(flavour: KDFlavour, enrichment: PhrEnrichment = 'full'): GuideKD {
  const g = new GuideKD(
    flavour === 'DE' ? 'teacher_de' : 'teacher_phr',
    goldenTeacher(),
    flavour,
    C.d_S,
    { experts: C.M, enrichment, train: goldenTrainSet() },
    Rng.seeded(0),
  );
  loadGolden(g.params);
  return g;
}

export function goldenStudent(): BPR {
  const s = new BPR(C.n_users, C.n_items, C.d_S, Rng.seeded(0));
  loadGolden(s.params);
  return s;
}

export function goldenHyperKDMA(
  flavour: KDFlavour,
  opts: { gate?: boolean; taSource?: TaSource; enrichment?: PhrEnrichment } & Pick<
    HyperKDMAOptions,
    'mode' | 'anchor' | 'generatorOptimiser'
  > = {},
): HyperKDMA {
  const h = new HyperKDMA(
    goldenGuideKD(flavour, opts.enrichment ?? 'full'),
    {
      flavour,
      dT: C.d_T,
      dS: C.d_S,
      taDims: C.ta_dims,
      experts: C.M,
      lambdaT: C.lambda_T,
      lambdaTA: C.lambda_TA,
      itemWeight: C.item_weight,
      taSource: opts.taSource ?? { kind: 'hypernet' },
      gate: opts.gate ?? true,
      mode: opts.mode,
      anchor: opts.anchor,
      generatorOptimiser: opts.generatorOptimiser,
    },
    Rng.seeded(0),
  );
  loadGolden(h.params);
  return h;
}

/** The fixture's path of a parameter's gradient (the student's tables are named apart). */
export const goldenGradPath = (name: string): string =>
  name === 'user' ? 'student.user_emb' : name === 'item' ? 'student.item_emb' : name;

/** A step's total and every trainable tensor's gradient against the fixture's (1e-5). */
export function expectGoldenGradients(
  params: Param[],
  total: number,
  gold: { loss: number; grads: unknown },
): void {
  expect(total).toBeCloseTo(gold.loss, 4);
  const trainable = params.filter((p) => p.trainable);
  expect(trainable.length).toBe(leaves(gold.grads).length);
  for (const p of trainable) {
    const path = goldenGradPath(p.name);
    expectClose(p.grad, at(gold.grads, path), 1e-5, 1e-5, `∂L/∂${path}`);
  }
}
