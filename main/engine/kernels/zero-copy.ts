import * as tf from '@tensorflow/tfjs-core';

type Info = tf.TensorInfo;
type Backend = tf.KernelBackend & { incRef(id: tf.DataId): void };

/**
 * The wasm backend copies a tensor for Identity and for an identity transpose (gather's gradient
 * along axis 0), and tfjs clones every input a gradient saves through Identity:
 * on CiteULike LightGCN 200 that was ~100 ms of copies per step. Tensors are immutable, so these
 * share the input's data instead, as the backend's own Reshape does.
 */
export function registerZeroCopyKernels(): void {
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!transpose || (transpose as { zeroCopy?: boolean }).zeroCopy) return;
  const share = (x: Info, backend: tf.KernelBackend, shape = x.shape): Info => {
    (backend as Backend).incRef(x.dataId);
    return { dataId: x.dataId, shape, dtype: x.dtype };
  };
  const copy = tf.getKernel('Identity', 'wasm')!.kernelFunc;
  const identity: tf.KernelFunc = (args) => {
    const { x } = args.inputs as { x: Info };
    return x.dtype === 'string' ? copy(args) : share(x, args.backend as tf.KernelBackend);
  };
  const transposeFunc: tf.KernelFunc = (args) => {
    const { x } = args.inputs as { x: Info };
    const perm = (args.attrs as { perm: number[] }).perm;
    // Only the identity permutation: a view with another shape would share the tensor's id, and
    // the backend's XNNPACK products cache packed operands by that id (wrong products followed).
    if (x.dtype !== 'string' && perm.every((axis, i) => axis === i))
      return share(x, args.backend as tf.KernelBackend);
    return transpose.kernelFunc(args);
  };
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: identity });
  tf.unregisterKernel('Transpose', 'wasm');
  tf.registerKernel({
    kernelName: 'Transpose',
    backendName: 'wasm',
    kernelFunc: transposeFunc,
    setupFunc: transpose.setupFunc,
    zeroCopy: true,
  } as tf.KernelConfig);
}
