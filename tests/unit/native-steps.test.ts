import { describe, expect, it } from 'vitest';
import { modelOptions } from '../../main/contract';
import { filterAndRemap } from '../../main/data/dataset';
import { Rng } from '../../main/data/rng';
import { buildSplit, trainSet } from '../../main/data/split';
import { synthesize } from '../../main/data/synth';
import { initBackend } from '../../main/engine/backend';
import { GradScope } from '../../main/engine/grad-scope';
import { frozenGuide } from '../../main/engine/kd/guide';
import { taSizes } from '../../main/engine/kd/ta-sizes';
import { nativeBlas, useNativeKernels } from '../../main/engine/kernels/native-blas';
import { createModel } from '../../main/engine/models/registry';
import { MODEL_NAMES } from '../../main/contract';
import type { Recommender } from '../../main/engine/models/model';
import { buildDistilledStudent } from '../../main/ops/distilled-student';
import { parseDistillConfig } from '../../main/ops/distill-config';
import { relativeError } from '../support/relative-error';

// A full training step of every model and distillation method, once with the native BLAS and
// once on the plain wasm path: the loss and every parameter's gradient agree to 1e-4 relative.

const native = nativeBlas();
const data = filterAndRemap(synthesize({ users: 80, items: 620, seed: 5 }), {
  minUser: 5,
  minItem: 0,
});
const split = buildSplit(data, 0);
const train = trainSet(data, split);
const batch = {
  users: Int32Array.from({ length: 64 }, (_, k) => k % data.nUsers),
  pos: Int32Array.from({ length: 64 }, (_, k) => train.items[(k * 7) % train.items.length]),
  neg: Int32Array.from({ length: 64 }, (_, k) => (k * 37) % data.nItems),
};

/** Loss and every gradient after one step, products on the given path. */
function step(build: () => Recommender, onNative: boolean) {
  useNativeKernels(onNative);
  try {
    const model = build();
    const values = GradScope.step((s) => model.loss(s, batch));
    return { total: values.total, grads: model.params.map((p) => Float32Array.from(p.grad)) };
  } finally {
    useNativeKernels(true);
  }
}

function expectSameStep(build: () => Recommender) {
  const a = step(build, true);
  const b = step(build, false);
  expect(Math.abs(a.total - b.total) / Math.max(Math.abs(b.total), 1e-12)).toBeLessThan(1e-4);
  a.grads.forEach((g, i) =>
    expect(relativeError(g, b.grads[i]), `parameter ${i}`).toBeLessThan(1e-4),
  );
}

describe('a training step on the native path equals the wasm path', () => {
  it.for(MODEL_NAMES)('%s', async (name, ctx) => {
    if (!native.ok) return ctx.skip(`no native BLAS: ${native.reason}`);
    await initBackend('wasm');
    const options = modelOptions(name);
    expectSameStep(() =>
      createModel(name, {
        nUsers: data.nUsers,
        nItems: data.nItems,
        dim: 8,
        train,
        rng: Rng.seeded(3),
        noise: Rng.seeded(4),
        options,
      }),
    );
  });

  it.for(['DE', 'PHR', 'HyperKDMA-DE', 'HyperKDMA-PHR'])(
    'BPR distilled with %s',
    async (method, ctx) => {
      if (!native.ok) return ctx.skip(`no native BLAS: ${native.reason}`);
      await initBackend('wasm');
      const dT = 32;
      const rng = Rng.seeded(7, 0);
      const random = (n: number) => Float32Array.from({ length: n }, () => 0.1 * rng.normal());
      const teacher = frozenGuide('teacher', dT, {
        users: random(data.nUsers * dT),
        items: random(data.nItems * dT),
      });
      const m = method.startsWith('HyperKDMA') ? 3 : 0;
      const cfg = parseDistillConfig({
        dataset: 'x',
        teacher: 1,
        method,
        studentDim: 4,
        experts: 5,
        ...(m ? { numTas: m } : {}),
      });
      const taDims = m ? taSizes(dT, 4, m).sizes : [];
      expectSameStep(() => {
        const ctx = {
          dataset: data,
          split,
          train,
          initRng: Rng.seeded(0, 2),
          noiseRng: Rng.seeded(0, 4),
        };
        const model = buildDistilledStudent(
          { cfg, model: 'BPR', options: {}, dT, taDims, guides: [teacher], taGuides: [] },
          ctx,
        );
        model.startEpoch(1);
        return model;
      });
    },
  );
});
