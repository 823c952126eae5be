import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../main/engine/backend';
import { coreTypeFor, nativeBlas, useNativeKernels } from '../../main/engine/kernels/native-blas';
import { Rng } from '../../main/data/rng';
import { relativeError } from '../support/relative-error';

// The native BLAS path against the plain wasm path, in every orientation and batch shape the
// engine uses. CI builds the addon, so there it must be present; elsewhere the tests say why
// they are skipped.

const native = nativeBlas();
const required = process.env.CI === 'true' || process.env.HKD_REQUIRE_NATIVE === '1';

async function both<T extends tf.Tensor>(f: () => T): Promise<[Float32Array, Float32Array]> {
  useNativeKernels(true);
  const a = tf.tidy(f);
  useNativeKernels(false);
  const b = tf.tidy(f);
  useNativeKernels(true);
  const out: [Float32Array, Float32Array] = [
    (await a.data()) as Float32Array,
    (await b.data()) as Float32Array,
  ];
  a.dispose();
  b.dispose();
  return out;
}

const random = (shape: number[], seed: number) => {
  const rng = Rng.seeded(seed, 0);
  const n = shape.reduce((p, c) => p * c, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
};

describe('native BLAS matrix products', () => {
  it('is built where the tests must run on it (CI), or says why not', (ctx) => {
    if (!native.ok && !required) return ctx.skip(`no native BLAS: ${native.reason}`);
    expect(native).toMatchObject({ ok: true });
  });

  // [a shape, b shape] before transposition; M, K, N from the engine's layers: batch × d_T into
  // experts, d_S × d_T hypernet slices, 501-candidate scoring, tiny and empty edges.
  const cases: [string, number[], number[]][] = [
    ['2-D, batch × teacher → hidden', [1024, 200], [200, 110]],
    ['2-D, a row times a matrix', [1, 37], [37, 5]],
    ['2-D, tiny', [1, 1], [1, 1]],
    ['2-D, long and thin', [3000, 3], [3, 2000]],
    ['3-D, equal batches (experts)', [8, 64, 20], [8, 20, 33]],
    ['3-D, one operand shared', [1, 64, 20], [8, 20, 33]],
    ['3-D, the other shared', [8, 64, 20], [1, 20, 33]],
    ['4-D batch dims', [2, 3, 10, 7], [2, 3, 7, 4]],
  ];
  for (const [what, sa, sb] of cases) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`matches wasm: ${what}, transposeA ${ta}, transposeB ${tb}`, async (ctx) => {
        if (!native.ok) return ctx.skip(`no native BLAS: ${native.reason}`);
        await initBackend('wasm');
        const swap = (s: number[], t: boolean) =>
          t ? [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]] : s;
        const a = random(swap(sa, ta), 1);
        const b = random(swap(sb, tb), 2);
        const [got, want] = await both(() => tf.matMul(a, b, ta, tb));
        expect(got.length).toBe(want.length);
        expect(relativeError(got, want)).toBeLessThan(1e-4);
        a.dispose();
        b.dispose();
      });
    }
  }

  it('matches wasm in gradients, and after the wasm memory grows', async (ctx) => {
    if (!native.ok) return ctx.skip(`no native BLAS: ${native.reason}`);
    await initBackend('wasm');
    const a = random([300, 200], 3);
    const b = random([200, 50], 4);
    const w = random([300, 50], 5);
    const grads = () =>
      tf.tidy(() => {
        const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
          tf.sum(tf.mul(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D), w)),
        )([a, b]);
        return tf.concat([tf.reshape(ga, [-1]), tf.reshape(gb, [-1])]);
      });
    const [got, want] = await both(grads);
    expect(relativeError(got, want)).toBeLessThan(1e-4);
    // An output larger than anything so far makes the backend grow its memory first.
    const big = random([4096, 64], 6);
    const [g2, w2] = await both(() => tf.matMul(big, big, false, true));
    expect(relativeError(g2, w2)).toBeLessThan(1e-4);
    for (const t of [a, b, w, big]) t.dispose();
  });
});

describe('OpenBLAS core type', () => {
  it('is set for CPUs the library may not know, from their flags', () => {
    const cpu = (vendor: string, flags: string) => `vendor_id\t: ${vendor}\nflags\t\t: ${flags}\n`;
    expect(
      coreTypeFor(cpu('GenuineIntel', 'fpu avx2 fma avx512f avx512vl avx512bw avx512dq')),
    ).toBe('SkylakeX');
    expect(
      coreTypeFor(cpu('AuthenticAMD', 'fpu avx2 fma avx512f avx512vl avx512bw avx512dq')),
    ).toBe('SkylakeX');
    expect(coreTypeFor(cpu('GenuineIntel', 'fpu sse4_2 avx2 fma'))).toBe('Haswell');
    // AMD's AVX2 parts are recognised by the library itself.
    expect(coreTypeFor(cpu('AuthenticAMD', 'fpu sse4_2 avx2 fma'))).toBeUndefined();
    expect(coreTypeFor(cpu('GenuineIntel', 'fpu sse4_2'))).toBeUndefined();
  });
});
