import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapBuffer, heapOffset } from './heap-kernels';
import { wrapWasmKernel } from './wasm-kernels';

type Info = tf.TensorInfo;

// The wasm backend's Slice copies its whole input out of the backend's memory (readSync) before
// it copies the slice back in, row by row through typed-array views, and SplitV is one Slice per
// part: splitting NGCF 200's 2,600 × 800 output rows (concat's gradient) cost 28 ms. These copy
// each row once, inside the memory, and give the same values.

/** x[begin : begin + size], for a contiguous slice or a matrix's; else undefined. */
function heapSlice(b: BackendWasm, x: Info, begin: number[], size: number[]): Info | undefined {
  const contiguous = tf.slice_util.isSliceContinous(x.shape, begin, size);
  if (x.dtype === 'string' || (!contiguous && x.shape.length !== 2)) return undefined;
  const out = b.makeOutput(size, x.dtype);
  const bytes = tf.util.bytesPerElement(x.dtype);
  // Read after allocating the output: the memory may have grown, which replaces its buffer.
  const heap = new Uint8Array(heapBuffer(b));
  const from = heapOffset(b, x);
  const to = heapOffset(b, out);
  const strides = tf.util.computeStrides(x.shape);
  if (contiguous) {
    const start = from + bytes * tf.slice_util.computeFlatOffset(begin, strides);
    heap.copyWithin(to, start, start + bytes * tf.util.sizeFromShape(size));
    return out;
  }
  const rowBytes = bytes * size[1];
  for (let i = 0; i < size[0]; i++) {
    const start = from + bytes * ((begin[0] + i) * strides[0] + begin[1]);
    heap.copyWithin(to + i * rowBytes, start, start + rowBytes);
  }
  return out;
}

export function registerHeapSlices(): void {
  wrapWasmKernel('Slice', 'heap-slice', (slice) => (args) => {
    const { x } = args.inputs as { x: Info };
    const { begin, size } = args.attrs as unknown as { begin: number[]; size: number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    return heapSlice(args.backend as unknown as BackendWasm, x, b, s) ?? slice(args);
  });
  wrapWasmKernel('SplitV', 'heap-slice', (split) => (args) => {
    const { x } = args.inputs as { x: Info };
    const attrs = args.attrs as unknown as { numOrSizeSplits: number[] | number; axis: number };
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits, axis);
    const begin = x.shape.map(() => 0);
    const parts: Info[] = [];
    for (const s of sizes) {
      const size = x.shape.slice();
      size[axis] = s;
      const part = heapSlice(args.backend as unknown as BackendWasm, x, begin.slice(), size);
      if (!part) {
        for (const p of parts) (args.backend as tf.KernelBackend).disposeData(p.dataId);
        return split(args);
      }
      parts.push(part);
      begin[axis] += s;
    }
    return parts;
  });
}
