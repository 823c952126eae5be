import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapInstance, heapOffset } from './heap-kernels';
import { wrapWasmKernel } from './wasm-kernels';
import { WASM_BASE64 } from './row-gather.wasm';

interface GatherExports {
  gather(x: number, ids: number, out: number, rows: number, rowBytes: number): void;
}

/**
 * The wasm backend's GatherV2 copies element by element through a general strided loop: picking
 * a batch's rows of NGCF's (30k × 200) layers took ~160 ms of a 1.8 s NGCF 200 step here. Rows
 * along axis 0 (every gather the engine does) are one bulk copy each, in place (row-gather.wat);
 * other gathers go to the backend's kernel. Indices are checked as the backend checks them.
 */
export function registerRowGather(): void {
  wrapWasmKernel('GatherV2', 'row-gather', (original) => (args) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
    const bytes = x.dtype === 'float32' || x.dtype === 'int32' ? 4 : 0;
    if (
      tf.util.parseAxisParam(axis, x.shape)[0] !== 0 ||
      batchDims !== 0 ||
      indices.dtype !== 'int32' ||
      bytes === 0 ||
      x.shape.length === 0
    )
      return original(args);
    const b = args.backend as unknown as BackendWasm;
    const ids = b.typedArrayFromHeap(indices) as Int32Array;
    const n = x.shape[0];
    for (const id of ids)
      if (!(id >= 0 && id < n))
        throw new Error(`GatherV2: the index value ${id} is not in [0, ${n - 1}]`);
    const rows = ids.length;
    const inner = x.shape.slice(1).reduce((p, c) => p * c, 1);
    // Making the output may grow the memory, which detaches the `ids` view: only `rows` is used.
    const out = b.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    if (rows > 0 && inner > 0)
      heapInstance<GatherExports>(b, WASM_BASE64).gather(
        heapOffset(b, x),
        heapOffset(b, indices),
        heapOffset(b, out),
        rows,
        inner * bytes,
      );
    return out;
  });
}
