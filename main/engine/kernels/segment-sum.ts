import * as tf from '@tensorflow/tfjs-core';

type Backend = tf.KernelBackend & {
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
};

/**
 * A linear-time UnsortedSegmentSum, the kernel behind tf.gather's gradient and graph
 * propagation. The wasm backend has none and cpu's is quadratic and leaks intermediates.
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

const OUTPUT: Record<string, (b: Backend, shape: number[], v: Float32Array) => tf.TensorInfo> = {
  cpu: (b, shape, v) =>
    (
      b as unknown as { makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo }
    ).makeTensorInfo(shape, 'float32', v),
  wasm: (b, shape, v) =>
    (
      b as unknown as {
        makeOutput(s: number[], d: string, o: undefined, v: Float32Array): tf.TensorInfo;
      }
    ).makeOutput(shape, 'float32', undefined, v),
};

export function registerSegmentSum(backendName: 'cpu' | 'wasm'): void {
  const existing = tf.getKernel('UnsortedSegmentSum', backendName);
  if (existing && (existing as { hkd?: boolean }).hkd) return;
  if (existing) tf.unregisterKernel('UnsortedSegmentSum', backendName);
  const config: tf.KernelConfig & { hkd: boolean } = {
    kernelName: 'UnsortedSegmentSum',
    backendName,
    kernelFunc: unsortedSegmentSum(OUTPUT[backendName]),
    hkd: true,
  };
  tf.registerKernel(config);
}
