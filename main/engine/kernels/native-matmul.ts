import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapBuffer, heapFloatOffset } from './heap-kernels';
import { nativeKernelsOn, THREADED_MIN_MACS, type NativeBlasState } from './native-blas';
import { wrapWasmKernel } from './wasm-kernels';

type Info = tf.TensorInfo;
type Native = Extract<NativeBlasState, { ok: true }>;

/**
 * The wasm backend's BatchMatMul through the native BLAS: operands stay where the wasm backend
 * keeps them (its memory), transposes are the BLAS's flags, and a batch is one call. Shapes it
 * does not cover (other dtypes, broadcasting beyond one operand's batch of 1) go to the kernel
 * registered before it.
 */
export function registerNativeMatMul(native: Native): void {
  wrapWasmKernel('BatchMatMul', 'native', (fallback) => (args) => {
    if (!nativeKernelsOn()) return fallback(args);
    const { inputs, backend, attrs } = args;
    const b = backend as unknown as BackendWasm;
    const { a, b: bIn } = inputs as { a: Info; b: Info };
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (a.dtype !== 'float32' || bIn.dtype !== 'float32' || a.shape.length < 2) {
      return fallback(args);
    }
    const ra = a.shape.length;
    const rb = bIn.shape.length;
    const [M, K] = transposeA ? [a.shape[ra - 1], a.shape[ra - 2]] : a.shape.slice(-2);
    const N = transposeB ? bIn.shape[rb - 2] : bIn.shape[rb - 1];
    const batchA = a.shape.slice(0, -2).reduce((p, c) => p * c, 1);
    const batchB = bIn.shape.slice(0, -2).reduce((p, c) => p * c, 1);
    const batch = Math.max(batchA, batchB);
    if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1))
      return fallback(args);
    const outShape = [...(batchA >= batchB ? a : bIn).shape.slice(0, -2), M, N];
    const out = b.makeOutput(outShape, 'float32');
    if (M * N * batch === 0) return out;
    const threads = M * N * K * batch < THREADED_MIN_MACS ? 1 : native.threads;
    // Read the memory only now: making the output may have grown (and replaced) it.
    native.blas.sgemm(
      heapBuffer(b),
      transposeA,
      transposeB,
      M,
      N,
      K,
      heapFloatOffset(b, a),
      heapFloatOffset(b, bIn),
      heapFloatOffset(b, out),
      batch,
      batchA === 1 ? 0 : M * K,
      batchB === 1 ? 0 : K * N,
      M * N,
      threads,
    );
    return out;
  });
}
