import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../main/data/rng';
import { initBackend } from '../../main/engine/backend';
import { GradScope } from '../../main/engine/grad-scope';
import { DistillationExperts, deTemperature } from '../../main/engine/kd/de';
import { DistilledStudent } from '../../main/engine/kd/distilled-student';
import { enrichFull } from '../../main/engine/kd/enrichment';
import { compose, entitySets, mapSets, SET_NAMES } from '../../main/engine/kd/entity-sets';
import { guideRows } from '../../main/engine/kd/guide';
import { Gatenet, Hypernet } from '../../main/engine/kd/hypernet';
import type { HyperKDMA } from '../../main/engine/kd/hyperkdma';
import { PersonalisationNet } from '../../main/engine/kd/phr';
import { taSizes } from '../../main/engine/kd/ta-sizes';
import { expectClose, flat, G } from '../support/golden';
import {
  C,
  expectGoldenGradients,
  goldenBatch,
  goldenGuideKD,
  goldenGumbel,
  goldenHyperKDMA,
  goldenStudent,
  goldenTeacher,
  goldenTrainSet,
  loadGolden,
} from '../support/golden-kd';

const TAU = C.tau;
const sets = () => entitySets(goldenBatch());
const studentReps = (scope: GradScope) => {
  const s = goldenStudent();
  return mapSets(sets(), (ids, set) =>
    s.representation(scope, set === 'users' ? 'user' : 'item', ids),
  );
};
const input = (scope: GradScope) => ({
  scope,
  sets: sets(),
  hS: studentReps(scope),
  gumbel: goldenGumbel,
  tau: TAU,
});
const value = (t: tf.Tensor) => Array.from(t.dataSync());

beforeAll(async () => {
  await initBackend('wasm');
});

describe('batch composition (§5.1)', () => {
  it('de-duplicates users, positives and negatives separately in order of first appearance', () => {
    const s = sets();
    expect(Array.from(s.users)).toEqual(G.inputs.entities.users);
    expect(Array.from(s.pos)).toEqual(G.inputs.entities.pos);
    expect(Array.from(s.neg)).toEqual(G.inputs.entities.neg);
  });

  it('weights item sums by ½ and counts an item in both sets twice', () => {
    const l = compose(
      { users: tf.tensor1d([1, 2]), pos: tf.tensor1d([4]), neg: tf.tensor1d([4, 6]) },
      0.5,
    );
    expect(l.dataSync()[0]).toBe(3 + 0.5 * (4 + 10));
  });
});

describe('DE (§5.2)', () => {
  it('selection, Gumbel-softmax weights, stacked experts and reconstruction match golden', () => {
    const scope = new GradScope();
    const s = sets();
    for (const set of SET_NAMES) {
      const copy = set === 'users' ? 'user' : 'item';
      const e = new DistillationExperts(
        `teacher_de.${copy}`,
        C.d_S,
        C.d_T,
        C.d_T,
        C.M,
        Rng.seeded(0),
      );
      loadGolden(e.params);
      const hT = guideRows(scope, goldenTeacher(), set, s[set]);
      const gold = G.cases.de[set];
      expectClose(value(e.selection(scope, hT)), gold.pi, 1e-5, 1e-5, `${set} π`);
      expectClose(
        value(e.expertOutputs(scope, studentReps(scope)[set])),
        gold.expert_out,
        1e-5,
        1e-5,
        `${set} experts`,
      );
      const r = e.loss(
        scope,
        studentReps(scope)[set],
        hT,
        hT,
        goldenGumbel('teacher_de', set, 0, 0),
        TAU,
      );
      expectClose(value(r.q), gold.q, 1e-5, 1e-5, `${set} q`);
      expectClose(value(r.hHat), gold.h_hat, 1e-5, 1e-5, `${set} ĥ`);
      expectClose(value(r.loss), gold.loss, 1e-5, 1e-5, `${set} ℓ`);
    }
  });

  it('per-set losses and the composed L_KD match golden', () => {
    const scope = new GradScope();
    const per = goldenGuideKD('DE').perEntity(input(scope));
    for (const set of SET_NAMES)
      expectClose(value(per[set]), G.cases.de[set].loss, 1e-5, 1e-5, set);
    expect(compose(per, 0.5).dataSync()[0]).toBeCloseTo(G.cases.de.loss, 4);
  });

  it('follows the annealed temperature schedule', () => {
    const t = G.cases.de_tau_schedule;
    t.epochs.forEach((e: number, k: number) =>
      expectClose([deTemperature(e)], [t.tau[k]], 0, 1e-12, `τ(${e})`),
    );
  });
});

describe('PHR (§5.3)', () => {
  it('full-neighbourhood enrichment matches V_user and V_item', () => {
    const v = enrichFull(
      Float32Array.from(flat(G.inputs.teacher.user_emb)),
      Float32Array.from(flat(G.inputs.teacher.item_emb)),
      C.d_T,
      goldenTrainSet(),
    );
    expectClose(v.users, G.cases.phr.input_full.V_user, 1e-6, 1e-6, 'V_user');
    expectClose(v.items, G.cases.phr.input_full.V_item, 1e-6, 1e-6, 'V_item');
  });

  it.each([
    ['none', 'input_none'],
    ['full', 'input_full'],
  ] as const)('personalised projections and losses match golden (input %s)', (mode, key) => {
    const scope = new GradScope();
    const net = new PersonalisationNet('teacher_phr', C.d_T, C.d_T, C.d_S, Rng.seeded(0));
    loadGolden(net.params);
    const gold = G.cases.phr[key];
    for (const set of SET_NAMES) {
      expectClose(
        value(net.theta(scope, tf.tensor2d(gold[set].x))),
        gold[set].theta,
        1e-5,
        1e-5,
        `${set} Θ`,
      );
    }
    const per = goldenGuideKD('PHR', mode).perEntity(input(scope));
    for (const set of SET_NAMES)
      expectClose(value(per[set]), gold[set].loss, 1e-5, 1e-5, `${set} ℓ`);
    expect(compose(per, 0.5).dataSync()[0]).toBeCloseTo(gold.loss, 4);
  });
});

describe('hypernetwork and gate (§5.4, §8.3)', () => {
  it('the outer-product form equals the naive form and the golden TA embeddings', () => {
    const scope = new GradScope();
    const h = new Hypernet('hypernet', C.d_T, C.ta_dims, Rng.seeded(0));
    const g = new Gatenet('gatenet', C.d_T, C.m, Rng.seeded(0));
    loadGolden([...h.params, ...g.params]);
    for (const set of SET_NAMES) {
      const gold = G.cases.hypernet[set];
      const hT = tf.tensor2d(gold.h_T);
      const outer = value(h.all(scope, hT));
      expectClose(outer, value(h.naive(scope, hT)), 1e-5, 1e-5, `${set} outer vs naive`);
      const want = gold.h_ta[0].map((row: number[], e: number) => [...row, ...gold.h_ta[1][e]]);
      expectClose(outer, want, 1e-5, 1e-5, `${set} h_TA`);
      expectClose(value(g.apply(scope, hT)), gold.gate, 1e-5, 1e-5, `${set} gate`);
    }
  });

  it('chunked evaluation and its recomputing gradient equal the naive form', () => {
    const gold = G.cases.hypernet.pos;
    const grads = (
      f: (h: Hypernet, scope: GradScope) => tf.Tensor2D,
      chunk?: number,
      buffer?: number,
    ) => {
      const h = new Hypernet('hypernet', C.d_T, C.ta_dims, Rng.seeded(0), chunk, buffer);
      loadGolden(h.params);
      // A weighted sum makes every output matter differently.
      const weights = tf.tensor2d(
        gold.h_T.map((_: number[], e: number) =>
          C.ta_dims.flatMap((d: number, i: number) =>
            Array.from({ length: d }, (_, r) => Math.cos(e + 3 * i + r)),
          ),
        ),
      );
      const v = GradScope.step((scope) => {
        const total = tf.sum(tf.mul(f(h, scope), weights)) as tf.Scalar;
        return { total, terms: {} };
      });
      return { v: v.total, W: Array.from(h.layer.W.grad), b: Array.from(h.layer.b.grad) };
    };
    const hT = () => tf.tensor2d(gold.h_T);
    // 2 entities (2·36 floats) per chunk: three chunks for the five positives.
    const chunked = grads((h, s) => h.all(s, hT()), 2 * C.d_T * C.d_T);
    const naive = grads((h, s) => h.naive(s, hT()));
    expect(chunked.v).toBeCloseTo(naive.v, 4);
    expectClose(chunked.W, naive.W, 1e-5, 1e-5, '∂/∂W');
    expectClose(chunked.b, naive.b, 1e-5, 1e-5, '∂/∂b');
    expect(chunked.W.some((x) => x !== 0)).toBe(true);
    // A device buffer smaller than W (54 × 6 floats): one TA's columns at a time.
    const split = grads((h, s) => h.all(s, hT()), 2 * C.d_T * C.d_T, 200);
    expect(split.v).toBeCloseTo(naive.v, 4);
    expectClose(split.W, naive.W, 1e-5, 1e-5, '∂/∂W by TA');
    expectClose(split.b, naive.b, 1e-5, 1e-5, '∂/∂b by TA');
  });

  it('Eq. 20 TA sizes, duplicates and sizes ≤ d_S dropped', () => {
    for (const c of G.cases.ta_sizes) {
      expect(taSizes(c.d_T, c.d_S, c.m)).toEqual({ raw: c.raw, sizes: c.sizes });
    }
  });
});

function hyperTotals(h: HyperKDMA) {
  const scope = new GradScope();
  const r = h.loss(input(scope));
  const base = goldenStudent().loss(scope, goldenBatch()).total;
  return {
    kd: r.stats['kd.raw'].dataSync()[0],
    ta: r.stats['ta.raw'].dataSync()[0],
    total: tf.addN([base, r.terms.kd, r.terms.ta]).dataSync()[0],
    taLoss: (i: number) => r.stats[`ta${i}.loss`].dataSync()[0],
  };
}

const meanTaLoss = (gold: { ta: Record<string, { loss: number[] }>[] }, i: number) => {
  const all = SET_NAMES.flatMap((s) => gold.ta[i][s].loss);
  return all.reduce((a, b) => a + b, 0) / all.length;
};

describe('HyperKDMA (Eq. 17) and its ablations (§6.3)', () => {
  it.each(['DE', 'PHR'] as const)(
    'HyperKDMA+%s: L_KD, per-TA losses, L_TA and the total match golden',
    (flavour) => {
      const gold = flavour === 'DE' ? G.cases.hyperkdma_de : G.cases.hyperkdma_phr;
      const t = hyperTotals(goldenHyperKDMA(flavour));
      expect(t.kd).toBeCloseTo(gold.L_KD, 4);
      expect(t.ta).toBeCloseTo(gold.L_TA, 4);
      expect(t.total).toBeCloseTo(gold.total, 4);
      for (let i = 0; i < C.m; i++)
        expectClose([t.taLoss(i)], [meanTaLoss(gold, i)], 1e-5, 1e-5, `ℓ_${i}`);
    },
  );

  it('HyperKDMA+PHR with an un-enriched teacher input', () => {
    const t = hyperTotals(goldenHyperKDMA('PHR', { enrichment: 'none' }));
    expect(t.kd).toBeCloseTo(G.cases.hyperkdma_phr.L_KD_input_none, 4);
    expect(t.total).toBeCloseTo(G.cases.hyperkdma_phr.total_input_none, 4);
  });

  it.each(['DE', 'PHR'] as const)(
    'w/o GNet (uniform 1/m) and w/o HNet (a) (static Θ_i) with %s',
    (flavour) => {
      const key = flavour === 'DE' ? 'de' : 'phr';
      const noGate = hyperTotals(goldenHyperKDMA(flavour, { gate: false }));
      expect(noGate.ta).toBeCloseTo(G.cases.ablations.wo_gnet[key].L_TA, 4);
      expect(noGate.total).toBeCloseTo(G.cases.ablations.wo_gnet[key].total, 4);
      const shared = hyperTotals(goldenHyperKDMA(flavour, { taSource: { kind: 'shared' } }));
      expect(shared.ta).toBeCloseTo(G.cases.ablations.wo_hnet_a[key].L_TA, 4);
      expect(shared.total).toBeCloseTo(G.cases.ablations.wo_hnet_a[key].total, 4);
    },
  );

  it.each(['DE', 'PHR'] as const)(
    'HyperKDMA+%s gradients of every tensor match golden (nothing detached)',
    (flavour) => {
      const gold = flavour === 'DE' ? G.cases.grads.hyperkdma_de : G.cases.grads.hyperkdma_phr;
      const model = new DistilledStudent(
        goldenStudent(),
        goldenHyperKDMA(flavour),
        goldenGumbel,
        () => TAU,
      );
      model.startEpoch(0);
      const v = GradScope.step((scope) => model.loss(scope, goldenBatch()));
      expectGoldenGradients(model.params, v.total, gold);
    },
  );
});
