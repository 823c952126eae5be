import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapInstance, heapOffset } from './heap-kernels';
import { summedAxes } from './column-sum';
import { WASM_BASE64 } from './sum-grad.wasm';
import { addWasmKernel } from './wasm-kernels';

// tfjs differentiates a sum as dy × ones(x.shape), the ones filled in JavaScript and uploaded
// each time: ~0.2 s of a PHR 200 → 20 step, whose mapping Θ·h_S sums (n × 200 × 20) products.
// On wasm a sum over its leading or trailing axes gets dy copied back over them instead — the
// same values (x · 1 = x, NaN and −0 included); other sums keep tfjs's gradient.

const KERNEL = 'HkdSumGrad';

interface SumGradExports {
  repeat(dy: number, out: number, n: number, c: number): void;
  rows(dy: number, out: number, r: number, c: number): void;
}

function kernel({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const b = backend as unknown as BackendWasm;
  const { dy } = inputs as { dy: tf.TensorInfo };
  // `leading`: dy is copied once per row; else each of its values is repeated (a full sum too).
  const { shape, leading } = attrs as unknown as { shape: number[]; leading: boolean };
  const out = b.makeOutput(shape, 'float32');
  const kept = tf.util.sizeFromShape(dy.shape);
  if (kept === 0) return out;
  const times = tf.util.sizeFromShape(shape) / kept;
  const k = heapInstance<SumGradExports>(b, WASM_BASE64);
  if (leading) k.rows(heapOffset(b, dy), heapOffset(b, out), times, kept);
  else k.repeat(heapOffset(b, dy), heapOffset(b, out), kept, times);
  return out;
}

let registered = false;

export function registerSumGradient(): void {
  addWasmKernel(KERNEL, kernel);
  if (registered) return;
  registered = true;
  const tfjs = tf.getGradient('Sum');
  tf.registerGradient({
    ...tfjs,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const grad = dy as tf.Tensor;
      const { axes, leading, trailing } = summedAxes(
        (attrs as { axis: number | number[] }).axis,
        x.shape,
      );
      if (
        !tf.getKernel(KERNEL, tf.getBackend()) ||
        grad.dtype !== 'float32' ||
        axes.length === 0 ||
        !(leading || trailing)
      )
        return tfjs.gradFunc(dy, saved, attrs);
      return {
        x: () =>
          tf
            .engine()
            .runKernel(KERNEL, { dy: grad }, { shape: x.shape, leading: !trailing }) as tf.Tensor,
      };
    },
  });
}
