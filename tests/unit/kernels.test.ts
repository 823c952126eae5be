import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../main/engine/backend';
import { WASM_BASE64 as ADAM } from '../../main/engine/kernels/adam.wasm';
import { WASM_BASE64 as DOT } from '../../main/engine/kernels/dot.wasm';
import { sparseProduct } from '../../main/engine/kernels/sparse-product';
import { WASM_BASE64 as SPMM } from '../../main/engine/kernels/spmm.wasm';
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

describe('sparse × dense product (SIMD)', () => {
  it.each([1, 4, 7, 12])('matches the dense product at d = %i, empty rows included', (d) => {
    // 5 × 4 matrix in CSR; row 2 has no entries, source 3 is used twice.
    const dense = [
      [0, 0.5, 0, 2],
      [1, 0, 0, 0],
      [0, 0, 0, 0],
      [0, -3, 0.25, 1],
      [0, 0, 0, 4],
    ];
    const ptr = [0];
    const from: number[] = [];
    const weight: number[] = [];
    for (const row of dense) {
      row.forEach((w, j) => w !== 0 && (from.push(j), weight.push(w)));
      ptr.push(from.length);
    }
    const x = Float32Array.from({ length: 4 * d }, (_, k) => Math.sin(k * 1.3) * 2);
    const got = sparseProduct(
      { ptr: Int32Array.from(ptr), from: Int32Array.from(from), weight: Float32Array.from(weight) },
      x,
      d,
    );
    expect(got.length).toBe(5 * d);
    dense.forEach((row, r) => {
      for (let k = 0; k < d; k++) {
        const want = row.reduce((s, w, j) => s + w * x[j * d + k], 0);
        expect(got[r * d + k]).toBeCloseTo(want, 5);
      }
    });
  });
});

describe('compiled WebAssembly kernels', () => {
  it.each([
    ['dot', DOT],
    ['adam', ADAM],
    ['spmm', SPMM],
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

describe('wasm matmul fast path', () => {
  const ref = (a: number[][], b: number[][]) =>
    a.map((row) => b[0].map((_, j) => row.reduce((s, x, k) => s + x * b[k][j], 0)));
  const T = (x: number[][]) => x[0].map((_, j) => x.map((r) => r[j]));
  const rand = (r: number, c: number, seed: number) =>
    Array.from({ length: r }, (_, i) =>
      Array.from({ length: c }, (_, j) => Math.sin(seed + i * 7.3 + j * 1.9)),
    );

  it.each([
    [3, 5, 4],
    [2, 300, 400], // small first operand, large second: the flipped orientation
    [400, 300, 2],
    [33, 64, 17],
  ])('M=%i K=%i N=%i matches a naive product for every transpose combination', async (M, K, N) => {
    await initBackend('wasm');
    const a = rand(M, K, 1);
    const b = rand(K, N, 2);
    const want = ref(a, b).flat();
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      const A = tf.tensor2d(ta ? T(a) : a);
      const B = tf.tensor2d(tb ? T(b) : b);
      const got = tf.matMul(A, B, ta, tb);
      expect(got.shape).toEqual([M, N]);
      const d = await got.data();
      const worst = Math.max(...want.map((w, i) => Math.abs(w - d[i]) / (1 + Math.abs(w))));
      expect(worst, `transposeA=${ta} transposeB=${tb}`).toBeLessThan(1e-4);
    }
  });

  it('multiplies batches, small and large', async () => {
    await initBackend('wasm');
    for (const [batch, m, k, n] of [
      [3, 40, 50, 60],
      [200, 4, 3, 1],
    ]) {
      const a = Array.from({ length: batch }, (_, i) => rand(m, k, i));
      const b = Array.from({ length: batch }, (_, i) => rand(k, n, i + 50));
      const got = (await tf.matMul(tf.tensor3d(a), tf.tensor3d(b)).array()) as number[][][];
      got.forEach((g, i) => {
        const want = ref(a[i], b[i]).flat();
        g.flat().forEach((x, j) => expect(Math.abs(x - want[j])).toBeLessThan(1e-3));
      });
    }
  });
});
