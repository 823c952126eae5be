import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapInstance, heapOffset } from './heap-kernels';
import { addWasmKernel } from './wasm-kernels';
import { WASM_BASE64 } from './spmm-inplace.wasm';

// The graph models' sparse × dense product as a kernel of the wasm backend, in place on its
// memory (spmm-inplace.wat): the matrix lives there as three tensors, so a product copies nothing
// in or out. Measured on CiteULike LightGCN 200: the copies (readSync, upload, identity) cost more
// than the product itself when it ran on a memory of its own.

const KERNEL = 'HkdCsrProduct';

/** A CSR matrix (rows × sources) as tensors: row t's entries are [ptr[t], ptr[t + 1]). */
export interface CsrTensors {
  rows: number;
  ptr: tf.Tensor1D;
  from: tf.Tensor1D;
  weight: tf.Tensor1D;
}

interface SpmmExports {
  spmm(x: number, out: number, ptr: number, from: number, w: number, rows: number, d: number): void;
}

function product({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const b = backend as unknown as BackendWasm;
  const { x, ptr, from, weight } = inputs as Record<string, tf.TensorInfo>;
  const rows = (attrs as { rows: number }).rows;
  const d = x.shape[1];
  const out = b.makeOutput([rows, d], 'float32');
  const o = (t: tf.TensorInfo) => heapOffset(b, t);
  heapInstance<SpmmExports>(b, WASM_BASE64).spmm(o(x), o(out), o(ptr), o(from), o(weight), rows, d);
  return out;
}

export function registerCsrProduct(): void {
  addWasmKernel(KERNEL, product);
}

/** Whether the active backend has the in-place kernel (else: the JavaScript-side product). */
export const hasCsrProduct = (): boolean => tf.getKernel(KERNEL, tf.getBackend()) !== undefined;

/** A·X for the CSR matrix A and dense X (sources × d). */
export function csrProduct(x: tf.Tensor2D, a: CsrTensors): tf.Tensor2D {
  return tf.engine().runKernel(
    KERNEL,
    { x, ptr: a.ptr, from: a.from, weight: a.weight },
    {
      rows: a.rows,
    },
  ) as tf.Tensor2D;
}
