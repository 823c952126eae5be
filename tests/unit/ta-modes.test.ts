import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../main/engine/backend';
import { GradScope } from '../../main/engine/grad-scope';
import { DistilledStudent } from '../../main/engine/kd/distilled-student';
import type { HyperKDMA } from '../../main/engine/kd/hyperkdma';
import { detach, rowNorms, toNormsOf } from '../../main/engine/kd/ta-targets';
import type { Param } from '../../main/engine/params';
import { at, expectClose, G } from '../support/golden';
import {
  C,
  goldenBatch,
  goldenGradPath,
  goldenGumbel,
  goldenHyperKDMA,
  goldenStudent,
} from '../support/golden-kd';

// HyperKDMA's TA modes (issue 21): each is checked against the golden paper-mode values where it
// must not change them, by hand where it defines something new, and by which tensors it trains.

beforeAll(async () => {
  await initBackend('wasm');
});

const FLAVOURS = ['DE', 'PHR'] as const;
const GOLD = { DE: G.cases.grads.hyperkdma_de, PHR: G.cases.grads.hyperkdma_phr };

/** One training step's loss values and the gradient each trainable Param received. */
function step(h: HyperKDMA) {
  const model = new DistilledStudent(goldenStudent(), h, goldenGumbel, () => C.tau);
  model.startEpoch(0);
  const v = GradScope.step((scope) => model.loss(scope, goldenBatch()));
  return { v, trainable: model.params.filter((p) => p.trainable), all: model.params };
}

const generatorAndGate = (h: HyperKDMA): Param[] => [
  ...(h.hypernet?.params ?? []),
  ...(h.gatenet?.params ?? []),
];
const norm = (a: Float32Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
const names = (ps: Param[]) => ps.map((p) => p.name).sort();

describe('TA targets', () => {
  it('toNormsOf rescales each row to the reference row’s norm, whatever its own scale', () => {
    const x = tf.tensor2d([
      [3, 4],
      [0, 2],
    ]);
    const ref = tf.tensor2d([
      [0, 10],
      [1, 0],
    ]);
    expectClose(toNormsOf(x, rowNorms(ref)).dataSync(), [6, 8, 0, 1], 1e-6, 1e-6, 'rescaled');
    expectClose(
      toNormsOf(tf.mul(x, 1e-3) as tf.Tensor2D, rowNorms(ref)).dataSync(),
      [6, 8, 0, 1],
      1e-4,
      1e-4,
      'from 1e-3×',
    );
  });

  it('detach passes values and stops the gradient', () => {
    const x = tf.tensor2d([[1, -2]]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(detach(t as tf.Tensor2D), t)))(x);
    // d/dx Σ stop(x)·x = stop(x): the detached factor contributes nothing.
    expect(Array.from(g.dataSync())).toEqual([1, -2]);
  });
});

describe.each(FLAVOURS)('HyperKDMA+%s TA modes', (flavour) => {
  const gold = GOLD[flavour];

  it('paper and frozen: the same loss; frozen trains the same tensors by the same gradients, minus hypernet and gate', () => {
    const frozen = goldenHyperKDMA(flavour, { mode: 'frozen' });
    const r = step(frozen);
    expect(r.v.total).toBeCloseTo(gold.loss, 4);
    const out = generatorAndGate(frozen);
    expect(out.length).toBe(4);
    for (const p of out) expect(p.trainable).toBe(false);
    expect(names(r.trainable)).toEqual(names(r.all.filter((p) => !out.includes(p) && p.trainable)));
    for (const p of r.trainable)
      expectClose(p.grad, at(gold.grads, goldenGradPath(p.name)), 1e-5, 1e-5, `∂L/∂${p.name}`);
  });

  it('code: only the teacher term is added, and hypernet, gate and TA modules are out of training', () => {
    const h = goldenHyperKDMA(flavour, { mode: 'code' });
    const student = goldenStudent();
    const r = step(h);
    const golden = flavour === 'DE' ? G.cases.hyperkdma_de : G.cases.hyperkdma_phr;
    expect(r.v.terms.ta).toBeUndefined();
    expect(r.v.total).toBeCloseTo(golden.L_base + C.lambda_T * golden.L_KD, 4);
    const trainable = names(r.trainable);
    expect(trainable.some((n) => /^(hypernet|gatenet|ta_)/.test(n))).toBe(false);
    expect(trainable).toEqual(names([...student.params, ...h.teacherKD.params]));
  });

  it('detached: the same loss and the same gradients except the hypernet’s, which still learns through what reads h_TA', () => {
    const h = goldenHyperKDMA(flavour, { mode: 'detached' });
    const r = step(h);
    expect(r.v.total).toBeCloseTo(gold.loss, 4);
    for (const p of r.trainable) {
      const expected = at(gold.grads, goldenGradPath(p.name));
      if (p.name.startsWith('hypernet')) {
        expect(norm(p.grad), p.name).toBeGreaterThan(0);
        // Without the target path the hypernet's gradient is a different, smaller-path sum.
        let diff = 0;
        const flatExpected = (expected as number[][]).flat(3) as number[];
        p.grad.forEach((g, k) => (diff = Math.max(diff, Math.abs(g - flatExpected[k]))));
        expect(diff, p.name).toBeGreaterThan(1e-6);
      } else expectClose(p.grad, expected, 1e-5, 1e-5, `∂L/∂${p.name}`);
    }
  });

  it('normalised: shrinking the hypernet leaves the TA term unchanged, and every part still learns', () => {
    const taTerm = (scale: number) => {
      const h = goldenHyperKDMA(flavour, { mode: 'normalised' });
      for (const p of h.hypernet!.params) p.data.forEach((x, k) => (p.data[k] = x * scale));
      return step(h);
    };
    const full = taTerm(1);
    const small = taTerm(1e-3);
    expect(small.v.terms.ta).toBeCloseTo(full.v.terms.ta, 5);
    // And the rescaling is really applied: the term differs from the paper's on the same tensors.
    expect(full.v.terms.ta).not.toBeCloseTo(step(goldenHyperKDMA(flavour)).v.terms.ta, 5);
    for (const p of full.trainable)
      if (!p.name.startsWith('teacher_')) expect(norm(p.grad), p.name).toBeGreaterThan(0);
  });
});

// PHR reads h_TA through a ReLU MLP with biases, which is not homogeneous: DE only.
describe('the collapse (HyperKDMA+DE, paper mode)', () => {
  it('scaling the hypernet and each TA module’s last layer by s scales L_TA by s²', () => {
    const lTa = (s: number) => {
      const h = goldenHyperKDMA('DE');
      const scaleBy = (p: Param, f: number) => p.data.forEach((x, k) => (p.data[k] = x * f));
      for (const p of h.hypernet!.params) scaleBy(p, s);
      for (const t of h.taModules) {
        if (!('user' in t)) throw new Error('DE modules expected');
        for (const e of [t.user, t.item]) {
          scaleBy(e.W2, s);
          scaleBy(e.b2, s);
          // The selection net reads h_TA: undo the scale there so only the magnitudes change.
          scaleBy(e.Wsel, 1 / s);
        }
      }
      return step(h).v.terms.ta;
    };
    const [one, tenth] = [lTa(1), lTa(0.1)];
    expect(one).toBeGreaterThan(1e-3);
    expect(tenth / one).toBeCloseTo(0.01, 5);
  });
});

describe('anchored', () => {
  it('adds λ·Σ_i ‖h_T − D_i(h_TA_i)‖², composed users + ½·items, computed here by hand', () => {
    const lambda = 0.3;
    const h = goldenHyperKDMA('DE', { mode: 'anchored', anchor: lambda });
    const r = step(h);
    const paper = step(goldenHyperKDMA('DE'));
    expect(r.v.terms.ta).toBeCloseTo(paper.v.terms.ta, 6);
    let expected = 0;
    for (const set of ['users', 'pos', 'neg'] as const) {
      const gold = G.cases.hypernet[set];
      const hT = gold.h_T as number[][];
      let sum = 0;
      hT.forEach((t, e) => {
        C.ta_dims.forEach((di: number, i: number) => {
          const x = (gold.h_ta as number[][][])[i][e];
          const [W, b] = [h.decoders[i].W.data, h.decoders[i].b.data];
          for (let c = 0; c < C.d_T; c++) {
            let y = b[c];
            for (let k = 0; k < di; k++) y += x[k] * W[k * C.d_T + c];
            sum += (t[c] - y) ** 2;
          }
        });
      });
      expected += (set === 'users' ? 1 : C.item_weight) * sum;
    }
    expect(r.v.terms.anchor).toBeCloseTo(lambda * expected, 4);
    for (const p of [...h.decoders.flatMap((d) => d.params), ...h.hypernet!.params])
      expect(norm(p.grad), p.name).toBeGreaterThan(0);
  });

  it('needs a positive weight', () => {
    expect(() => goldenHyperKDMA('DE', { mode: 'anchored' })).toThrow(/anchor weight/);
  });
});

describe('generator optimiser group', () => {
  it('sets its own learning rate and decay on hypernet and gate only', () => {
    const h = goldenHyperKDMA('DE', { generatorOptimiser: { lr: 0.5, weightDecay: 0 } });
    for (const p of generatorAndGate(h)) expect(p.optimiser).toEqual({ lr: 0.5, weightDecay: 0 });
    for (const p of h.taModules.flatMap((t) => ('user' in t ? t.user.params : [])))
      expect(p.optimiser).toEqual({});
  });
});
