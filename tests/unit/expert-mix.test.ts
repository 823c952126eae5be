import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../main/data/rng';
import { initBackend } from '../../main/engine/backend';
import { relativeError } from '../support/relative-error';
import {
  expertMix,
  expertMixComposed,
  useFusedKernels,
} from '../../main/engine/kernels/expert-mix';

// The fused expert hidden layer against the tfjs composition it replaces, forward and gradient,
// in the shapes the engine uses (h = 110 and 20 for DE, odd and tiny ones for the scalar tails).

const random = (shape: number[], seed: number, scale = 1) => {
  const rng = Rng.seeded(seed, 0);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => scale * rng.normal()),
    shape,
  );
};

describe('fused expert mixture (wasm SIMD)', () => {
  it.each([
    [1, 1, 1],
    [3, 2, 5],
    [7, 3, 4],
    [64, 30, 110],
    [33, 8, 20],
    [10, 1, 13],
  ])('n %i, M %i, h %i: forward and every gradient equal the composition', async (n, M, h) => {
    await initBackend('wasm');
    // The fused path really runs (else this would compare the composition with itself).
    expect(tf.getKernel('HkdExpertMix', 'wasm')).toBeDefined();
    const pre = random([n, M * h], 1) as tf.Tensor2D;
    const b1 = random([M * h], 2, 0.5) as tf.Tensor1D;
    const q = tf.softmax(random([n, M], 3)) as tf.Tensor2D;
    const w = random([n, M * h], 4);
    const run = (fused: boolean) => {
      useFusedKernels(fused);
      try {
        return tf.tidy(() => {
          const f = (p: tf.Tensor, b: tf.Tensor, x: tf.Tensor) =>
            tf.sum(tf.mul(expertMix(p as tf.Tensor2D, b as tf.Tensor1D, x as tf.Tensor2D, h), w));
          const value = expertMix(pre, b1, q, h);
          const grads = tf.grads(f)([pre, b1, q]);
          return [value, ...grads].map((t) => t.dataSync() as Float32Array);
        });
      } finally {
        useFusedKernels(true);
      }
    };
    const fused = run(true);
    const plain = run(false);
    const names = ['value', 'dpre', 'db1', 'dq'];
    fused.forEach((x, i) => expect(relativeError(x, plain[i]), names[i]).toBeLessThan(1e-5));
    // The composition itself is what the layer means.
    expect(
      relativeError(
        expertMixComposed(pre, b1, q, h).dataSync() as Float32Array,
        tf
          .mul(tf.reshape(tf.relu(tf.add(pre, b1)), [n, M, h]), tf.reshape(q, [n, M, 1]))
          .dataSync() as Float32Array,
      ),
    ).toBe(0);
    for (const t of [pre, b1, q, w]) t.dispose();
  });

  it('leaves no tensor behind across steps', async () => {
    await initBackend('wasm');
    const pre = random([16, 40], 5) as tf.Tensor2D;
    const b1 = random([40], 6) as tf.Tensor1D;
    const q = random([16, 4], 7) as tf.Tensor2D;
    const step = () =>
      tf.tidy(() =>
        tf.grads((p: tf.Tensor) => tf.sum(expertMix(p as tf.Tensor2D, b1, q, 10)))([pre]),
      );
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step().forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });
});
