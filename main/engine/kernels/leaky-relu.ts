import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapInstance, heapOffset } from './heap-kernels';
import { WASM_BASE64 } from './leaky-relu-grad.wasm';
import { addWasmKernel } from './wasm-kernels';

// LeakyReLU whose gradient is one SIMD pass (leaky-relu-grad.wat). tfjs composes it of greater,
// mul and where, three passes and a boolean mask: ~38 ms a layer of an NGCF 200 step on CiteULike
// (30k × 200) with the other core busy, against 2 (`npm run bench -- --steps --kernel-times`).

const KERNEL = 'HkdLeakyReluGrad';

interface GradExports {
  grad(x: number, dy: number, out: number, n: number, alpha: number): void;
}

function kernel({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const b = backend as unknown as BackendWasm;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const out = b.makeOutput(x.shape, 'float32');
  const n = x.shape.reduce((a, c) => a * c, 1);
  const o = (t: tf.TensorInfo) => heapOffset(b, t);
  const { alpha } = attrs as { alpha: number };
  heapInstance<GradExports>(b, WASM_BASE64).grad(o(x), o(dy), o(out), n, alpha);
  return out;
}

export function registerLeakyReluGrad(): void {
  addWasmKernel(KERNEL, kernel);
}

/** tf.leakyRelu, with the one-pass gradient where the backend has it (the same values). */
export function leakyRelu<T extends tf.Tensor>(x: T, alpha: number): T {
  if (!tf.getKernel(KERNEL, tf.getBackend()) || x.dtype !== 'float32')
    return tf.leakyRelu(x, alpha);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([input]);
    return {
      value: tf.leakyRelu(input, alpha),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
        tf.engine().runKernel(KERNEL, { x: saved, dy }, { alpha }) as tf.Tensor,
    };
  });
  return op(x) as T;
}
