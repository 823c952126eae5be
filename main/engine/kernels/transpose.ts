import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapInstance, heapOffset } from './heap-kernels';
import { WASM_BASE64 } from './transpose.wasm';
import { wrapWasmKernel } from './wasm-kernels';

// The wasm backend transposes element by element: HyperKDMA's hypernet weight at m = 8
// (200 × 176,000), transposed both ways every step, took 62 and 111 ms (this: 47 and 58). A
// permutation that rotates the axes ([2, 0, 1], [1, 2, 0], [1, 0]) is the transpose of a
// matrix — the leading axes against the rest — which transpose.wat does in cache-sized SIMD
// tiles.

interface TransposeExports {
  transpose(x: number, out: number, rows: number, cols: number): void;
}

/** k when perm moves the first k axes to the end ((i + k) mod rank), else 0. */
function rotation(perm: number[]): number {
  const k = perm[0];
  return k > 0 && perm.every((axis, i) => axis === (i + k) % perm.length) ? k : 0;
}

export function registerMatrixTranspose(): void {
  wrapWasmKernel('Transpose', 'matrix', (transpose) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { perm } = args.attrs as unknown as { perm: number[] };
    const k = rotation(perm);
    if (!k || (x.dtype !== 'float32' && x.dtype !== 'int32')) return transpose(args);
    const b = args.backend as unknown as BackendWasm;
    const out = b.makeOutput(
      perm.map((axis) => x.shape[axis]),
      x.dtype,
    );
    heapInstance<TransposeExports>(b, WASM_BASE64).transpose(
      heapOffset(b, x),
      heapOffset(b, out),
      tf.util.sizeFromShape(x.shape.slice(0, k)),
      tf.util.sizeFromShape(x.shape.slice(k)),
    );
    return out;
  });
}
