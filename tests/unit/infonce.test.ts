import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../main/engine/backend';
import { infoNce } from '../../main/engine/kernels/infonce';
import { nativeBlas, useNativeKernels } from '../../main/engine/kernels/native-blas';
import { Rng } from '../../main/data/rng';
import { relativeError } from '../support/relative-error';

// SGL's blocked InfoNCE (native/hkd_infonce.c) against the same loss as tfjs ops: the value and
// all three gradients, for column counts below, at and across the 256-column block, and for
// logits spread wide enough that most exps underflow.

const native = nativeBlas();

const matrix = (rows: number, d: number, seed: number, unit: boolean) =>
  tf.tidy(() => {
    const rng = Rng.seeded(seed, 0);
    const x = tf.tensor2d(
      Float32Array.from({ length: rows * d }, () => rng.normal()),
      [rows, d],
    );
    return unit ? (tf.div(x, tf.norm(x, 2, 1, true)) as tf.Tensor2D) : x;
  });

function lossAndGrads(blocked: boolean, args: tf.Tensor2D[], tau: number): Float32Array[] {
  useNativeKernels(blocked);
  try {
    return tf.tidy(() => {
      const f = (a: tf.Tensor, p: tf.Tensor, z: tf.Tensor) =>
        infoNce(a as tf.Tensor2D, p as tf.Tensor2D, z as tf.Tensor2D, tau);
      const { value, grads } = tf.valueAndGrads(f)(args);
      return [value, ...grads].map((t) => t.dataSync() as Float32Array);
    });
  } finally {
    useNativeKernels(true);
  }
}

describe('blocked InfoNCE (native)', () => {
  const cases: [string, number, number, number, number, boolean][] = [
    ['one candidate', 3, 1, 4, 0.2, true],
    ['fewer candidates than a block', 7, 100, 5, 0.2, true],
    ['exactly one block', 16, 256, 8, 0.2, true],
    ['a block and a remainder', 33, 700, 20, 0.2, true],
    ['wide logits (most exps underflow)', 9, 600, 20, 0.02, false],
  ];
  for (const [what, B, N, D, tau, unit] of cases) {
    it(`matches the tfjs composition: ${what}`, async (ctx) => {
      if (!native.ok) return ctx.skip(`no native BLAS: ${native.reason}`);
      await initBackend('wasm');
      const args = [matrix(B, D, 1, unit), matrix(B, D, 2, unit), matrix(N, D, 3, unit)];
      const got = lossAndGrads(true, args, tau);
      const want = lossAndGrads(false, args, tau);
      expect(Number.isFinite(got[0][0])).toBe(true);
      got.forEach((g, k) => expect(relativeError(g, want[k]), `output ${k}`).toBeLessThan(1e-4));
      tf.dispose(args);
    });
  }

  it('keeps no tensor past a step', async (ctx) => {
    if (!native.ok) return ctx.skip(`no native BLAS: ${native.reason}`);
    await initBackend('wasm');
    const args = [matrix(8, 4, 1, true), matrix(8, 4, 2, true), matrix(300, 4, 3, true)];
    lossAndGrads(true, args, 0.2);
    const before = tf.memory().numTensors;
    lossAndGrads(true, args, 0.2);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(args);
  });
});
