import * as tf from '@tensorflow/tfjs-core';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../main/engine/backend';
import { sparseProduct } from '../../main/engine/kernels/sparse-product';
import { seededDropout } from '../../main/engine/kernels/dropout';
import {
  outerPairs,
  outerPairsComposed,
  trianglePairs,
} from '../../main/engine/kernels/outer-pairs';
import { GraphTensors } from '../../main/engine/models/graph';
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

describe('graph products in place on the wasm memory', () => {
  // 3 nodes, edges (src → dst, weight): 0→1 0.5, 2→1 2, 1→0 -1, 0→2 3, 2→2 0.25; nothing reaches
  // a row with no edge.
  const g = {
    nodes: 4,
    src: Int32Array.from([0, 2, 1, 0, 2]),
    dst: Int32Array.from([1, 1, 0, 2, 2]),
    weight: Float32Array.from([0.5, 2, -1, 3, 0.25]),
  };
  const dense = (w: Float32Array) => {
    const A = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
    g.src.forEach((s, e) => (A[g.dst[e]][s] += w[e]));
    return A;
  };
  it.each([1, 3, 4, 7, 12, 200])('matches A·X and Aᵀ·dY at d = %i, also reweighted', async (d) => {
    await initBackend('wasm');
    const graph = new GraphTensors(g);
    for (const w of [g.weight, Float32Array.from([1, 0, 2, 0.5, -3])]) {
      const x = tf.tensor2d(
        Float32Array.from({ length: 4 * d }, (_, k) => Math.cos(k * 0.7)),
        [4, d],
      );
      const dy = tf.tensor2d(
        Float32Array.from({ length: 4 * d }, (_, k) => Math.sin(k)),
        [4, d],
      );
      const y = graph.spreadWith(x, w);
      const dx = tf.grad((t: tf.Tensor) =>
        tf.sum(tf.mul(graph.spreadWith(t as tf.Tensor2D, w), dy)),
      )(x);
      const A = dense(w);
      const X = (await x.array()) as number[][];
      const DY = (await dy.array()) as number[][];
      const Y = (await y.array()) as number[][];
      const DX = (await dx.array()) as number[][];
      for (let r = 0; r < 4; r++)
        for (let k = 0; k < d; k++) {
          expect(Y[r][k]).toBeCloseTo(
            A[r].reduce((s, a, j) => s + a * X[j][k], 0),
            5,
          );
          expect(DX[r][k]).toBeCloseTo(
            A.reduce((s, row, j) => s + row[r] * DY[j][k], 0),
            5,
          );
        }
      tf.dispose([x, dy, y, dx]);
    }
    const before = tf.memory().numTensors;
    graph.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });

  it.each([
    ['wasm', 1],
    ['wasm', 3],
    ['cpu', 2],
  ] as const)(
    'on %s, %i layers: the output at some rows (repeated, any order) equals the full one there, gradient too',
    async (backend, layers) => {
      await initBackend(backend);
      const before = tf.memory().numTensors;
      const graph = new GraphTensors(g);
      const d = 5;
      const rows = Int32Array.from([2, 0, 2, 3]);
      const e0 = tf.tensor2d(
        Float32Array.from({ length: 4 * d }, (_, k) => Math.cos(k * 0.3) - 0.2),
        [4, d],
      );
      const w = tf.tensor2d(
        Float32Array.from({ length: rows.length * d }, (_, k) => Math.sin(k + 1)),
        [rows.length, d],
      );
      const full = (x: tf.Tensor) =>
        tf.gather(graph.layerMean(x as tf.Tensor2D, layers), tf.tensor1d(rows, 'int32'));
      const at = (x: tf.Tensor) =>
        graph.layerMeanAt(graph.propagate(x as tf.Tensor2D, layers - 1), rows).mean;
      const loss = (f: (x: tf.Tensor) => tf.Tensor) => (x: tf.Tensor) => tf.sum(tf.mul(f(x), w));
      const [want, got] = [full, at].map((f) => tf.tidy(() => f(e0).arraySync() as number[][]));
      const [dWant, dGot] = [full, at].map((f) =>
        tf.tidy(() => tf.grad(loss(f))(e0).arraySync() as number[][]),
      );
      for (let r = 0; r < rows.length; r++)
        for (let k = 0; k < d; k++) expect(got[r][k]).toBeCloseTo(want[r][k], 6);
      for (let r = 0; r < 4; r++)
        for (let k = 0; k < d; k++) expect(dGot[r][k]).toBeCloseTo(dWant[r][k], 6);
      // Node 1 is among no rows' sources but 0's and 2's: its gradient is not zero.
      expect(dGot[1].some((x) => x !== 0)).toBe(true);
      // Nothing is left once the graph's resident matrices are freed.
      tf.dispose([e0, w]);
      graph.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});

describe('zero-copy Identity and no-op Transpose on wasm', () => {
  it('share data safely: values right, and the source can be disposed first', async () => {
    await initBackend('wasm');
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 2, 3]);
    const t = tf.transpose(x, [0, 1, 2]);
    const squeezed = tf.transpose(x, [1, 0, 2]);
    // A reshaped view must not reuse the tensor's id (XNNPACK caches packed operands by it).
    const w = tf.tensor2d([[1], [2], [3]]);
    const row = tf.tensor2d([[1, 1, 1]]);
    const viaT = tf.matMul(row, tf.transpose(tf.transpose(w)));
    expect(await tf.matMul(tf.transpose(w), tf.ones([3, 2])).array()).toEqual([[6, 6]]);
    expect(await viaT.array()).toEqual([[6]]);
    tf.dispose([w, row, viaT]);
    const real = tf.transpose(x, [0, 2, 1]);
    const c = tf.clone(x);
    x.dispose();
    expect(await t.array()).toEqual([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ]);
    expect(squeezed.shape).toEqual([2, 1, 3]);
    expect(await squeezed.array()).toEqual([[[1, 2, 3]], [[4, 5, 6]]]);
    expect(await real.array()).toEqual([
      [
        [1, 4],
        [2, 5],
        [3, 6],
      ],
    ]);
    expect(await c.array()).toEqual([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ]);
    tf.dispose([t, squeezed, real, c]);
  });
});

describe('hash dropout on wasm', () => {
  it.each([0.1, 0.5])(
    'keeps 1 − %s of the elements, scaled, the same mask for the same seed and its gradient',
    async (p) => {
      await initBackend('wasm');
      const n = 200_003; // not a multiple of 4: the scalar tail runs too
      const x = tf.tensor2d(
        Float32Array.from({ length: n }, (_, k) => 1 + (k % 7)),
        [1, n],
      );
      const a = (await seededDropout(x, p, 12345).data()) as Float32Array;
      const b = (await seededDropout(x, p, 12345).data()) as Float32Array;
      const c = (await seededDropout(x, p, 777).data()) as Float32Array;
      const xs = (await x.data()) as Float32Array;
      let kept = 0;
      let differ = 0;
      for (let k = 0; k < n; k++) {
        if (a[k] !== 0) {
          kept++;
          expect(a[k]).toBeCloseTo(xs[k] / (1 - p), 5);
        }
        if ((a[k] === 0) !== (c[k] === 0)) differ++;
      }
      expect(Array.from(a)).toEqual(Array.from(b));
      // Binomial: 4.5 standard deviations of the kept count.
      expect(Math.abs(kept / n - (1 - p))).toBeLessThan(4.5 * Math.sqrt((p * (1 - p)) / n));
      expect(differ).toBeGreaterThan(0.5 * 2 * p * (1 - p) * n);
      // The gradient is the same mask, scaled.
      const g = (await tf
        .grad((t: tf.Tensor) => tf.sum(seededDropout(t as tf.Tensor2D, p, 12345)))(x)
        .data()) as Float32Array;
      for (let k = 0; k < n; k += 997) expect(g[k]).toBeCloseTo(a[k] === 0 ? 0 : 1 / (1 - p), 5);
      x.dispose();
    },
  );
});

describe('row gather on wasm', () => {
  it.each([
    [[5, 3], [4, 0, 4, 2], 'float32'],
    [[6], [5, 0], 'float32'],
    [
      [4, 2, 3],
      [
        [3, 1],
        [0, 3],
      ],
      'int32',
    ],
    [[7, 200], [6, 6, 0, 3, 1], 'float32'],
    [[3, 2], [], 'float32'],
  ] as [number[], number[] | number[][], 'float32' | 'int32'][])(
    'x %o, indices %o (%s): the rows picked, as the cpu backend picks them',
    async (shape, idx, dtype) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: n }, (_, k) =>
        dtype === 'int32' ? k * 3 - 7 : k * 0.5 - 3,
      );
      const pick = async (backend: 'cpu' | 'wasm') => {
        await initBackend(backend);
        const x = tf.tensor(values, shape, dtype);
        const i = tf.tensor(
          idx.flat(),
          [...(Array.isArray(idx[0]) ? [idx.length, (idx[0] as number[]).length] : [idx.length])],
          'int32',
        );
        const g = tf.gather(x, i);
        const out = { shape: g.shape, values: Array.from(await g.data()) };
        tf.dispose([x, i, g]);
        return out;
      };
      expect(await pick('wasm')).toEqual(await pick('cpu'));
    },
  );

  it('refuses an index outside the rows, as the backend does', async () => {
    await initBackend('wasm');
    expect((tf.getKernel('GatherV2', 'wasm') as { hkdTags?: string[] }).hkdTags).toContain(
      'row-gather',
    );
    const x = tf.tensor2d([[1], [2]]);
    expect(() => tf.gather(x, tf.tensor1d([2], 'int32'))).toThrow(
      /index value 2 is not in \[0, 1\]/,
    );
    expect(() => tf.gather(x, tf.tensor1d([-1], 'int32'))).toThrow(/not in/);
    x.dispose();
  });
});

describe('outer pairs on wasm', () => {
  it('lays the pairs c ≤ k out row by row', () => {
    expect(trianglePairs(3)).toEqual({
      size: 6,
      rows: Int32Array.from([0, 0, 0, 1, 1, 2]),
      cols: Int32Array.from([0, 1, 2, 1, 2, 2]),
    });
  });

  it.each([
    [1, 1],
    [3, 5],
    [4, 8],
    [7, 13],
    [200, 37],
  ])(
    'd = %i, len = %i: the kernel equals the gathers and product, tensor count flat',
    async (d, len) => {
      await initBackend('wasm');
      expect(tf.getKernel('HkdOuterPairs', 'wasm')).toBeDefined();
      const x = tf.tensor2d(
        Array.from({ length: d * len }, (_, k) => Math.sin(k * 0.37) * 2),
        [d, len],
      );
      const before = tf.memory().numTensors;
      const kernel = outerPairs(x);
      const composed = outerPairsComposed(x);
      expect(kernel.shape).toEqual([(d * (d + 1)) / 2, len]);
      // Products of the same two floats: identical, not merely close.
      expect(Array.from(kernel.dataSync())).toEqual(Array.from(composed.dataSync()));
      tf.dispose([kernel, composed]);
      expect(tf.memory().numTensors).toBe(before);
      // By hand for the first column at d = 3: x0², x0·x1, x0·x2, x1², x1·x2, x2².
      if (d === 3) {
        const c = [0, 1, 2].map((r) => x.arraySync()[r][0]);
        const p = outerPairs(x);
        const col = (p.arraySync() as number[][]).map((row) => row[0]);
        expect(col).toEqual(
          [c[0] * c[0], c[0] * c[1], c[0] * c[2], c[1] * c[1], c[1] * c[2], c[2] * c[2]].map(
            Math.fround,
          ),
        );
        p.dispose();
      }
      x.dispose();
    },
  );
});

describe('compiled WebAssembly kernels', () => {
  const dir = new URL('../../main/engine/kernels/', import.meta.url);
  const sources = readdirSync(dir).filter((f) => f.endsWith('.wat'));
  it('are all checked', () => expect(sources.length).toBeGreaterThanOrEqual(11));
  it.each(sources)('%s: its .wasm.ts is up to date (npm run kernels)', async (file) => {
    const bytes = await compileWat(readFileSync(new URL(file, dir), 'utf8'), file);
    const { WASM_BASE64 } = (await import(
      `../../main/engine/kernels/${file.replace(/\.wat$/, '.wasm.ts')}`
    )) as { WASM_BASE64: string };
    expect(Buffer.from(bytes).toString('base64')).toBe(WASM_BASE64);
  });
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
