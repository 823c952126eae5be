import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapInstance, heapOffset } from './heap-kernels';
import { WASM_BASE64 } from './transpose.wasm';
import { wrapWasmKernel } from './wasm-kernels';

// The wasm backend transposes element by element: HyperKDMA's hypernet weight at m = 8
// (200 × 176,000), transposed both ways every step, took 62 and 111 ms (this: 47 and 58). A
// permutation that rotates the axes ([2, 0, 1], [1, 2, 0], [1, 0]) is the transpose of a
// matrix — the leading axes against the rest — which transpose.wat does in cache-sized SIMD
// tiles; one that keeps some leading axes and rotates the others ([0, 2, 1]) is a batch of such
// transposes, each small enough to stay in cache.

interface TransposeExports {
  transpose(x: number, out: number, rows: number, cols: number): void;
}

/**
 * The axes kept in place (j) and by how much the rest rotate (k) when perm keeps its first j
 * axes and moves the next k to the end, else undefined.
 */
function batchedRotation(perm: number[]): { j: number; k: number } | undefined {
  let j = 0;
  while (j < perm.length && perm[j] === j) j++;
  const n = perm.length - j;
  const k = j < perm.length ? perm[j] - j : 0;
  return k > 0 && perm.slice(j).every((axis, i) => axis === j + ((i + k) % n))
    ? { j, k }
    : undefined;
}

export function registerMatrixTranspose(): void {
  wrapWasmKernel('Transpose', 'matrix', (transpose) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { perm } = args.attrs as unknown as { perm: number[] };
    const r = batchedRotation(perm);
    if (!r || (x.dtype !== 'float32' && x.dtype !== 'int32')) return transpose(args);
    const b = args.backend as unknown as BackendWasm;
    const out = b.makeOutput(
      perm.map((axis) => x.shape[axis]),
      x.dtype,
    );
    const size = tf.util.sizeFromShape;
    const rows = size(x.shape.slice(r.j, r.j + r.k));
    const cols = size(x.shape.slice(r.j + r.k));
    const kernel = heapInstance<TransposeExports>(b, WASM_BASE64);
    const [from, to] = [heapOffset(b, x), heapOffset(b, out)];
    for (let m = 0, batch = size(x.shape.slice(0, r.j)); m < batch; m++) {
      const at = m * rows * cols * 4;
      kernel.transpose(from + at, to + at, rows, cols);
    }
    return out;
  });
}
