import * as tf from '@tensorflow/tfjs-core';
import { wrapWasmKernel } from './wasm-kernels';

type Info = tf.TensorInfo;
type Backend = tf.KernelBackend & { disposeData(id: tf.DataId): boolean };

/**
 * The wasm BatchMatMul runs XNNPACK only for a plain 2-D product; with a transposed operand or a
 * batch it falls back to a loop ~14× slower (1.7 vs 24 GFLOP/s measured here). Every matmul
 * gradient uses transposed operands, so this override transposes explicitly (a memory-bound copy)
 * and, for a few large batch slices, multiplies each slice on the fast path.
 */
export function registerFastMatMul(): void {
  wrapWasmKernel('BatchMatMul', 'fast-path', fastMatMul);
}

function fastMatMul(matmul: tf.KernelFunc): tf.KernelFunc {
  const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
  const slice = tf.getKernel('Slice', 'wasm')!.kernelFunc;
  const reshape = tf.getKernel('Reshape', 'wasm')!.kernelFunc;
  const concat = tf.getKernel('Concat', 'wasm')!.kernelFunc;

  return ({ inputs, backend, attrs }) => {
    const b = backend as Backend;
    const { a, b: bIn } = inputs as { a: Info; b: Info };
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const temps: Info[] = [];
    const run = (name: tf.KernelFunc, ins: tf.NamedTensorInfoMap, at: tf.NamedAttrMap): Info => {
      const out = name({ inputs: ins, backend, attrs: at }) as Info;
      temps.push(out);
      return out;
    };
    const swapLast = (x: Info) => {
      const perm = x.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return run(transpose, { x }, { perm });
    };
    try {
      const batchA = a.shape.slice(0, -2).reduce((p, c) => p * c, 1);
      const batchB = bIn.shape.slice(0, -2).reduce((p, c) => p * c, 1);
      const plain = {
        ...attrs,
        transposeA: false,
        transposeB: false,
      } as unknown as tf.NamedAttrMap;
      if (batchA === 1 && batchB === 1 && a.shape.length === 2 && bIn.shape.length === 2) {
        // C = op(a)·op(b) (M×K · K×N). The kernel's cost grows with its second operand's size
        // (measured here at ~3× a transpose per element, consistent with packing it each call),
        // so when that operand is the large one compute Cᵀ = op(b)ᵀ·op(a)ᵀ and transpose back.
        const [M, K] = transposeA ? [a.shape[1], a.shape[0]] : a.shape;
        const N = transposeB ? bIn.shape[0] : bIn.shape[1];
        const PACK = 3;
        const normal = PACK * K * N + (transposeA ? M * K : 0) + (transposeB ? K * N : 0);
        const flipped = PACK * K * M + (transposeB ? 0 : K * N) + (transposeA ? 0 : M * K) + M * N;
        if (flipped < normal) {
          const X = transposeB ? bIn : swapLast(bIn);
          const Y = transposeA ? a : swapLast(a);
          const ct = run(matmul, { a: X, b: Y }, plain);
          return transpose({ inputs: { x: ct }, backend, attrs: { perm: [1, 0] } }) as Info;
        }
        const A = transposeA ? swapLast(a) : a;
        const B = transposeB ? swapLast(bIn) : bIn;
        return matmul({ inputs: { a: A, b: B }, backend, attrs: plain }) as Info;
      }
      const A = transposeA ? swapLast(a) : a;
      const B = transposeB ? swapLast(bIn) : bIn;
      const [m0, k0] = A.shape.slice(-2);
      const sliceWorthIt =
        Math.max(batchA, batchB) <= 64 && m0 * k0 * B.shape[B.shape.length - 1] >= 1 << 16;
      if (!sliceWorthIt) return matmul({ inputs: { a: A, b: B }, backend, attrs: plain }) as Info;
      // One fast 2-D product per batch slice, stacked back.
      const [m, k] = A.shape.slice(-2);
      const n = B.shape[B.shape.length - 1];
      const batch = Math.max(batchA, batchB);
      const A3 = run(reshape, { x: A }, { shape: [batchA, m, k] });
      const B3 = run(reshape, { x: B }, { shape: [batchB, k, n] });
      const parts: Info[] = [];
      for (let i = 0; i < batch; i++) {
        const ai = run(slice, { x: A3 }, { begin: [batchA === 1 ? 0 : i, 0, 0], size: [1, m, k] });
        const bi = run(slice, { x: B3 }, { begin: [batchB === 1 ? 0 : i, 0, 0], size: [1, k, n] });
        const a2 = run(reshape, { x: ai }, { shape: [m, k] });
        const b2 = run(reshape, { x: bi }, { shape: [k, n] });
        parts.push(run(matmul, { a: a2, b: b2 }, { ...attrs, ...plain }));
      }
      const stacked = run(concat, parts as unknown as tf.NamedTensorInfoMap, { axis: 0 });
      const outShape = [...(batchA >= batchB ? A : B).shape.slice(0, -2), m, n];
      const result = reshape({
        inputs: { x: stacked },
        backend,
        attrs: { shape: outShape },
      }) as Info;
      return result;
    } finally {
      for (const t of temps) b.disposeData(t.dataId);
    }
  };
}
