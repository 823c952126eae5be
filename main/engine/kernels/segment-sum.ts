import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapInstance, heapOffset } from './heap-kernels';
import { WASM_BASE64 } from './segment-sum.wasm';

type Backend = tf.KernelBackend & {
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
};

/**
 * A linear-time UnsortedSegmentSum, the kernel behind tf.gather's gradient. The wasm backend has
 * none and cpu's is quadratic and leaks intermediates.
 */
function unsortedSegmentSum(
  makeOutput: (b: Backend, shape: number[], values: Float32Array) => tf.TensorInfo,
): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const numSegments = (attrs as { numSegments: number }).numSegments;
    const b = backend as Backend;
    const xs = b.readSync(x.dataId) as Float32Array;
    const ids = b.readSync(segmentIds.dataId) as Int32Array;
    const inner = x.shape.slice(segmentIds.shape.length).reduce((a, c) => a * c, 1);
    const out = new Float32Array(numSegments * inner);
    for (let r = 0; r < ids.length; r++) {
      const seg = ids[r];
      if (seg < 0 || seg >= numSegments) continue;
      const src = r * inner;
      const dst = seg * inner;
      for (let k = 0; k < inner; k++) out[dst + k] += xs[src + k];
    }
    return makeOutput(b, [numSegments, ...x.shape.slice(segmentIds.shape.length)], out);
  };
}

const wasmSegmentSumJs = unsortedSegmentSum((b, shape, v) =>
  (
    b as unknown as {
      makeOutput(s: number[], d: string, o: undefined, v: Float32Array): tf.TensorInfo;
    }
  ).makeOutput(shape, 'float32', undefined, v),
);

const cpuOutput = (b: Backend, shape: number[], v: Float32Array) =>
  (
    b as unknown as { makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo }
  ).makeTensorInfo(shape, 'float32', v);

interface SegSumExports {
  segsum(x: number, ids: number, out: number, rows: number, inner: number, segments: number): void;
}

/**
 * On wasm the same sum runs in place on the backend's memory (segment-sum.wat): the gradient of
 * gathering a batch's rows from a 30k × 200 table no longer reads the rows out and writes the
 * table back (~70 ms of a LightGCN 200 step on CiteULike).
 */
const wasmSegmentSum: tf.KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  if (x.dtype !== 'float32') return wasmSegmentSumJs(args);
  const segments = (attrs as { numSegments: number }).numSegments;
  const b = backend as unknown as BackendWasm;
  const inner = x.shape.slice(segmentIds.shape.length).reduce((a, c) => a * c, 1);
  const out = b.makeOutput([segments, ...x.shape.slice(segmentIds.shape.length)], 'float32');
  const rows = segmentIds.shape.reduce((a, c) => a * c, 1);
  const o = (t: tf.TensorInfo) => heapOffset(b, t);
  heapInstance<SegSumExports>(b, WASM_BASE64).segsum(
    o(x),
    o(segmentIds),
    o(out),
    rows,
    inner,
    segments,
  );
  return out;
};

export function registerSegmentSum(backendName: 'cpu' | 'wasm'): void {
  const existing = tf.getKernel('UnsortedSegmentSum', backendName);
  if (existing && (existing as { hkd?: boolean }).hkd) return;
  if (existing) tf.unregisterKernel('UnsortedSegmentSum', backendName);
  const config: tf.KernelConfig & { hkd: boolean } = {
    kernelName: 'UnsortedSegmentSum',
    backendName,
    kernelFunc: backendName === 'wasm' ? wasmSegmentSum : unsortedSegmentSum(cpuOutput),
    hkd: true,
  };
  tf.registerKernel(config);
}
