import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../main/engine/backend';
import { leakyRelu } from '../../main/engine/kernels/leaky-relu';
import { GraphTensors } from '../../main/engine/models/graph';

// The wasm backend's kernels this project replaces for speed must give the values the ones they
// replace give: bit for bit where the same arithmetic runs, which these tests check with toEqual.

const bits = (x: tf.Tensor) => Array.from(new Uint32Array((x.dataSync() as Float32Array).buffer));
/** Deterministic values with zeros, negatives and exact ties; n need not be a multiple of 4. */
const values = (n: number, seed = 1) =>
  Float32Array.from({ length: n }, (_, k) => (k % 11 === 0 ? 0 : Math.sin(seed * 13.7 + k * 0.37)));

describe('LeakyReLU with the one-pass gradient on wasm', () => {
  it.each([1, 7, 4_003])('equals tfjs’s on %i elements, forward and gradient', async (n) => {
    const x = values(n);
    x[0] = -0;
    if (n > 2) x[2] = Number.NaN;
    const dy = values(n, 5);
    await initBackend('wasm');
    const run = (f: (t: tf.Tensor, alpha: number) => tf.Tensor) =>
      tf.tidy(() => {
        const xt = tf.tensor1d(x);
        const dyt = tf.tensor1d(dy);
        const y = f(xt, 0.2);
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t, 0.2), dyt)))(xt);
        return [bits(y), bits(g)];
      });
    // tfjs's gradient (greater, mul, where) on the same backend: the cpu backend multiplies in
    // float64, one rounding away.
    const want = run(tf.leakyRelu);
    const got = run(leakyRelu);
    expect(got).toEqual(want);
  });
});

describe('column sums on wasm (Sum over leading axes without a transpose)', () => {
  /** Σ over rows, one float32 addition at a time from row 0: what the backend's Sum computes. */
  const sequential = (x: Float32Array, rows: number, cols: number) =>
    Array.from({ length: cols }, (_, c) => {
      let s = 0;
      for (let r = 0; r < rows; r++) s = Math.fround(s + x[r * cols + c]);
      return s;
    });

  it.each([
    [[1_000, 203], [0], false],
    [[64, 8], [0], true],
    [[5, 3, 6], [0, 1], false],
    [[5, 3, 6], [1, 0], true],
    [[2, 3], [-2], false],
  ] as [number[], number[], boolean][])(
    'shape %o over axes %o (keepDims %s): each column summed in row order',
    async (shape, axis, keepDims) => {
      await initBackend('wasm');
      const x = values(shape.reduce((a, b) => a * b, 1));
      const lead = axis.map((a) => (a + shape.length) % shape.length).length;
      const rows = shape.slice(0, lead).reduce((a, b) => a * b, 1);
      const cols = x.length / rows;
      const s = tf.tidy(() => tf.sum(tf.tensor(x, shape), axis, keepDims));
      expect(s.shape).toEqual(
        keepDims ? [...shape.slice(0, lead).map(() => 1), ...shape.slice(lead)] : shape.slice(lead),
      );
      expect(Array.from(s.dataSync())).toEqual(sequential(x, rows, cols));
      s.dispose();
    },
  );

  it('leaves the other sums to the backend: innermost axes, all axes, integers', async () => {
    await initBackend('wasm');
    const got = tf.tidy(() => {
      const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
      return [
        tf.sum(x, 1).arraySync(),
        tf.sum(x).arraySync(),
        tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 0).arraySync(),
        tf.sum(tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]), [0, 2]).arraySync(),
      ];
    });
    expect(got).toEqual([[6, 15], 21, [4, 6], [14, 22]]);
  });
});

describe('slices in place on the wasm memory', () => {
  const cases: [string, number[], number[], number[], tf.DataType][] = [
    ['matrix columns', [37, 10], [3, 2], [30, 5], 'float32'],
    ['contiguous rows', [37, 10], [4, 0], [9, 10], 'float32'],
    ['int32 columns', [6, 5], [1, 1], [4, 3], 'int32'],
    ['bool columns', [6, 5], [0, 2], [6, 2], 'bool'],
    ['3-d (the backend)', [3, 4, 5], [1, 1, 2], [2, 2, 3], 'float32'],
  ];
  it.each(cases)('%s: tf.slice equals the cpu backend', async (_, shape, begin, size, dtype) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Array.from({ length: n }, (_, k) => (dtype === 'bool' ? k % 3 : k * 1.5 - 7));
    const run = async (backend: 'cpu' | 'wasm') => {
      await initBackend(backend);
      return tf.tidy(() => tf.slice(tf.tensor(data, shape, dtype), begin, size).arraySync());
    };
    expect(await run('wasm')).toEqual(await run('cpu'));
  });

  it('tf.split along columns and rows, and concat’s gradient, equal the cpu backend', async () => {
    const x = values(300 * 8);
    const run = async (backend: 'cpu' | 'wasm') => {
      await initBackend(backend);
      return tf.tidy(() => {
        const t = tf.tensor2d(x, [300, 8]);
        const cols = tf.split(t, [3, 0, 5], 1).map((p) => p.arraySync());
        const rows = tf.split(t, 3, 0).map((p) => p.arraySync());
        const w = tf.tensor2d(values(300 * 8, 3), [300, 8]);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.concat([a, b], 1), w)))(
          [tf.slice(t, [0, 0], [300, 5]), tf.slice(t, [0, 5], [300, 3])],
        );
        return [cols, rows, g.map((d) => d.arraySync())];
      });
    };
    expect(await run('wasm')).toEqual(await run('cpu'));
  });
});

describe('Cast to a tensor’s own type on wasm', () => {
  it('shares the data: values right after the source is disposed; other casts convert', async () => {
    await initBackend('wasm');
    const x = tf.tensor1d([1.5, -2, 0]);
    const same = tf.cast(x, 'float32');
    const int = tf.cast(x, 'int32');
    x.dispose();
    expect(await same.array()).toEqual([1.5, -2, 0]);
    expect(await int.array()).toEqual([1, -2, 0]);
    tf.dispose([same, int]);
  });
});

describe('a graph product at some rows with other edge weights (NGCF’s dropped Ã)', () => {
  it.each(['wasm', 'cpu'] as const)(
    'on %s equals those rows of the full product, gradient too',
    async (backend) => {
      await initBackend(backend);
      const g = {
        nodes: 4,
        src: Int32Array.from([0, 2, 1, 0, 2, 3]),
        dst: Int32Array.from([1, 1, 0, 2, 2, 3]),
        weight: Float32Array.from([0.5, 2, -1, 3, 0.25, 1]),
      };
      const graph = new GraphTensors(g);
      const dropped = Float32Array.from([0, 2.5, -1.25, 0, 0.3125, 1.25]);
      const rows = Int32Array.from([2, 0, 3]);
      const e = tf.tensor2d(values(4 * 6), [4, 6]);
      const w = tf.tensor2d(values(3 * 6, 9), [3, 6]);
      const full = (x: tf.Tensor) =>
        tf.gather(graph.spreadWith(x as tf.Tensor2D, dropped), tf.tensor1d(rows, 'int32'));
      const at = (x: tf.Tensor) => graph.spreadAt(x as tf.Tensor2D, rows, dropped);
      const [want, got] = [full, at].map((f) =>
        tf.tidy(() => [
          f(e).arraySync(),
          tf
            .grad((x) => tf.sum(tf.mul(f(x), w)))(e)
            .arraySync(),
        ]),
      );
      expect(got).toEqual(want);
      tf.dispose([e, w]);
      graph.dispose();
    },
  );
});

describe('the wasm backend after initBackend', () => {
  it('runs these replacements (so the tests above test them)', async () => {
    await initBackend('wasm');
    const tags = (k: string) => (tf.getKernel(k, 'wasm') as { hkdTags?: string[] }).hkdTags;
    expect(tags('Sum')).toContain('column-sum');
    expect(tags('Slice')).toContain('heap-slice');
    expect(tags('SplitV')).toContain('heap-slice');
    expect(tags('Cast')).toContain('zero-copy');
    expect(tags('Transpose')).toContain('matrix');
    expect(tf.getKernel('HkdLeakyReluGrad', 'wasm')).toBeDefined();
    expect(tf.getKernel('HkdSumGrad', 'wasm')).toBeDefined();
  });
});

describe('transposes that rotate the (trailing) axes on wasm (matrix transposes in SIMD tiles)', () => {
  it.each([
    [[4, 8], [1, 0], 'float32'],
    [[7, 5], [1, 0], 'float32'],
    [[130, 9], [1, 0], 'int32'],
    [[3, 70, 6], [2, 0, 1], 'float32'],
    [[6, 5, 67], [1, 2, 0], 'float32'],
    [[2, 3, 4, 5], [3, 0, 1, 2], 'float32'],
    [[2, 3, 4], [0, 2, 1], 'float32'],
    [[3, 9, 70], [0, 2, 1], 'float32'],
    [[2, 3, 6, 5], [0, 1, 3, 2], 'int32'],
    [[2, 7, 4, 5], [0, 2, 3, 1], 'float32'],
    [[2, 3, 4], [1, 0, 2], 'float32'],
    [[5, 6], [1, 0], 'bool'],
  ] as [number[], number[], tf.DataType][])(
    'shape %o, perm %o (%s): equals the cpu backend',
    async (shape, perm, dtype) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Array.from({ length: n }, (_, k) => (dtype === 'bool' ? k % 2 : k * 0.25 - 9));
      const run = async (backend: 'cpu' | 'wasm') => {
        await initBackend(backend);
        return tf.tidy(() => tf.transpose(tf.tensor(data, shape, dtype), perm).arraySync());
      };
      expect(await run('wasm')).toEqual(await run('cpu'));
    },
  );
});

describe('the gradient of a sum on wasm (dy copied back, no ones)', () => {
  it.each([
    [[5, 7, 3], [-1], false],
    [[5, 7, 6], [1, 2], true],
    [[6, 5], [0], false],
    [[3, 4, 5], [0, 1], true],
    [[4, 9], [0, 1], false],
    [[3, 4, 5], [1], false],
  ] as [number[], number[], boolean][])(
    'shape %o over axes %o (keepDims %s) equals tfjs’s dy × ones',
    async (shape, axis, keepDims) => {
      await initBackend('wasm');
      const x = values(shape.reduce((a, b) => a * b, 1));
      const got = tf.tidy(() => {
        const xt = tf.tensor(x, shape);
        const out = tf.sum(xt, axis, keepDims);
        const dy = tf.tensor(
          values(out.size, 7).map((v, k) => (k === 1 ? -0 : v)),
          out.shape,
        );
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.sum(t, axis, keepDims), dy)))(xt);
        const expanded = shape.map((d, i) =>
          axis.map((a) => (a + shape.length) % shape.length).includes(i) ? 1 : d,
        );
        const want = tf.mul(tf.reshape(dy, expanded), tf.ones(shape));
        return [bits(g), bits(want)];
      });
      expect(got[0]).toEqual(got[1]);
    },
  );
});
