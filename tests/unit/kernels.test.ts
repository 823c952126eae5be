import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../main/engine/backend';
import { WASM_BASE64 as ADAM } from '../../main/engine/kernels/adam.wasm';
import { WASM_BASE64 as DOT } from '../../main/engine/kernels/dot.wasm';
import { compileWat } from '../../scripts/wat';

describe.each(['wasm', 'cpu'] as const)('UnsortedSegmentSum on %s', (backend) => {
  it('sums rows by segment and drives the gradient of tf.gather', async () => {
    await initBackend(backend);
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    const seg = tf.tensor1d([2, 0, 2, -1], 'int32');
    expect(await tf.unsortedSegmentSum(x, seg, 3).array()).toEqual([
      [3, 4],
      [0, 0],
      [6, 8],
    ]);
    const table = tf.tensor2d([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    const idx = tf.tensor1d([2, 0, 2, 2], 'int32');
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx), tf.tensor1d([1, 10]))))(
      table,
    );
    expect(await g.array()).toEqual([
      [1, 10],
      [0, 0],
      [3, 30],
    ]);
    expect(tf.getBackend()).toBe(backend);
  });
});

describe('compiled WebAssembly kernels', () => {
  it.each([
    ['dot', DOT],
    ['adam', ADAM],
  ])(
    '%s.wasm.ts is up to date with %s.wat (npx tsx scripts/compile-wat.mts)',
    async (name, b64) => {
      const src = readFileSync(
        new URL(`../../main/engine/kernels/${name}.wat`, import.meta.url),
        'utf8',
      );
      const bytes = await compileWat(src, `${name}.wat`);
      expect(Buffer.from(bytes).toString('base64')).toBe(b64);
    },
  );
});
