import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WASM_BASE64 } from './dropout.wasm';
import { heapInstance, heapOffset } from './heap-kernels';
import { addWasmKernel } from './wasm-kernels';

// Dropout whose mask is a hash of (seed, position) (dropout.wat): one SIMD pass forward and one
// backward, nothing stored. tf.dropout draws a seeded tf.randomUniform in JavaScript (Alea), which
// cost ~0.3 s of an NGCF 200 step on CiteULike (three layers of 30k × 200 masks).

const KERNEL = 'HkdHashDropout';

interface DropoutExports {
  mask(x: number, out: number, n: number, seed: number, threshold: number, scale: number): void;
}

function kernel({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const b = backend as unknown as BackendWasm;
  const { x } = inputs as { x: tf.TensorInfo };
  const { seed, p } = attrs as { seed: number; p: number };
  const out = b.makeOutput(x.shape, 'float32');
  const n = x.shape.reduce((a, c) => a * c, 1);
  const threshold = Math.min(Math.round(p * 2 ** 32), 2 ** 32 - 1) | 0;
  heapInstance<DropoutExports>(b, WASM_BASE64).mask(
    heapOffset(b, x),
    heapOffset(b, out),
    n,
    seed | 0,
    threshold,
    1 / (1 - p),
  );
  return out;
}

export function registerHashDropout(): void {
  addWasmKernel(KERNEL, kernel);
}

/**
 * x with each element zeroed with probability p and the rest scaled by 1/(1 − p), the mask given
 * by `seed` (a seeded tf.dropout where the backend has no hash kernel). The gradient applies the
 * same mask.
 */
export function seededDropout(x: tf.Tensor2D, p: number, seed: number): tf.Tensor2D {
  if (!tf.getKernel(KERNEL, tf.getBackend()))
    return tf.dropout(x, p, undefined, seed) as tf.Tensor2D;
  const apply = (t: tf.Tensor) => tf.engine().runKernel(KERNEL, { x: t }, { seed, p }) as tf.Tensor;
  const op = tf.customGrad((input) => ({
    value: apply(input as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => apply(dy),
  }));
  return op(x) as tf.Tensor2D;
}
