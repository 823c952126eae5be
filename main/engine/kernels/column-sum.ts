import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapInstance, heapOffset } from './heap-kernels';
import { WASM_BASE64 } from './column-sum.wasm';
import { wrapWasmKernel } from './wasm-kernels';

// The wasm backend's Sum reduces innermost axes only, so a sum over the rows (every bias's
// gradient) first transposes the whole matrix: 9.6 ms of each 30k × 200 sum in an NGCF 200 step.
// column-sum.wat adds the rows in one pass, in the order the backend's own sum would.

interface ColumnSumExports {
  sum(x: number, out: number, rows: number, cols: number): void;
}

/** A sum's axes, in order, and whether they are the tensor's leading or its trailing ones. */
export function summedAxes(axis: number | number[], shape: number[]) {
  const axes = tf.util.parseAxisParam(axis, shape).sort((a, c) => a - c);
  return {
    axes,
    leading: axes.every((a, i) => a === i),
    trailing: axes.every((a, i) => a === shape.length - axes.length + i),
  };
}

export function registerColumnSum(): void {
  wrapWasmKernel('Sum', 'column-sum', (sum) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as {
      axis: number | number[];
      keepDims: boolean;
    };
    const { axes, leading } = summedAxes(axis, x.shape);
    // Summing innermost axes needs no transpose: the backend's kernel does it as well.
    if (x.dtype !== 'float32' || !leading || axes.length === 0 || axes.length === x.shape.length)
      return sum(args);
    const b = args.backend as unknown as BackendWasm;
    const kept = x.shape.slice(axes.length);
    const out = b.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
    const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
    const cols = tf.util.sizeFromShape(kept);
    heapInstance<ColumnSumExports>(b, WASM_BASE64).sum(
      heapOffset(b, x),
      heapOffset(b, out),
      rows,
      cols,
    );
    return out;
  });
}
