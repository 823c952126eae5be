import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapInstance, heapOffset } from './heap-kernels';
import { addWasmKernel } from './wasm-kernels';
import { WASM_BASE64 } from './outer-pairs.wasm';

interface PairsExports {
  pairs(x: number, out: number, d: number, len: number): void;
}

const NAME = 'HkdOuterPairs';

/** The pairs c ≤ k of d rows in the order their products are laid out: c, then k. */
export function trianglePairs(d: number): { size: number; rows: Int32Array; cols: Int32Array } {
  const size = (d * (d + 1)) / 2;
  const [rows, cols] = [new Int32Array(size), new Int32Array(size)];
  let p = 0;
  for (let c = 0; c < d; c++) for (let k = c; k < d; k++, p++) [rows[p], cols[p]] = [c, k];
  return { size, rows, cols };
}

/** As tfjs ops: two row gathers and their product. */
export function outerPairsComposed(x: tf.Tensor2D): tf.Tensor2D {
  const { rows, cols } = trianglePairs(x.shape[0]);
  return tf.tidy(() =>
    tf.mul(tf.gather(x, tf.tensor1d(rows, 'int32')), tf.gather(x, tf.tensor1d(cols, 'int32'))),
  );
}

/**
 * x[c] ⊙ x[k] for every pair of rows c ≤ k of x (d × len): (d(d+1)/2 × len), the upper triangle
 * of each column's outer product. On wasm one pass writes it (outer-pairs.wat) where the
 * composition writes the two gathered copies and reads them back: at the hypernet's d = 200 those
 * are 20,100 × len floats each. No gradient: the hypernet's custom gradient calls it again.
 */
export function outerPairs(x: tf.Tensor2D): tf.Tensor2D {
  return tf.getKernel(NAME, tf.getBackend())
    ? (tf.engine().runKernel(NAME, { x }) as tf.Tensor2D)
    : outerPairsComposed(x);
}

export function registerOuterPairs(): void {
  addWasmKernel(NAME, ({ inputs, backend }) => {
    const b = backend as unknown as BackendWasm;
    const { x } = inputs as { x: tf.TensorInfo };
    const [d, len] = x.shape;
    const out = b.makeOutput([(d * (d + 1)) / 2, len], 'float32');
    if (d > 0 && len > 0)
      heapInstance<PairsExports>(b, WASM_BASE64).pairs(
        heapOffset(b, x),
        heapOffset(b, out),
        d,
        len,
      );
    return out;
  });
}
