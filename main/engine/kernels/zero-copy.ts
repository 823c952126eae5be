import * as tf from '@tensorflow/tfjs-core';
import { wrapWasmKernel } from './wasm-kernels';

type Info = tf.TensorInfo;
type Backend = tf.KernelBackend & { incRef(id: tf.DataId): void };

/** A new tensor on the same data (tensors are immutable), as the backend's own Reshape does. */
function share(x: Info, backend: unknown): Info {
  (backend as Backend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * The wasm backend copies a tensor for Identity and for an identity transpose (gather's gradient
 * along axis 0), and tfjs clones every input a gradient saves through Identity: on CiteULike
 * LightGCN 200 that was ~100 ms of copies per step. These share the input's data instead.
 */
export function registerZeroCopyKernels(): void {
  wrapWasmKernel('Identity', 'zero-copy', (copy) => (args) => {
    const { x } = args.inputs as { x: Info };
    return x.dtype === 'string' ? copy(args) : share(x, args.backend);
  });
  // Cast to the type a tensor has already (tfjs's gradients do it) copies it too.
  wrapWasmKernel('Cast', 'zero-copy', (cast) => (args) => {
    const { x } = args.inputs as { x: Info };
    const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
    return x.dtype === dtype && dtype !== 'string' ? share(x, args.backend) : cast(args);
  });
  wrapWasmKernel('Transpose', 'zero-copy', (transpose) => (args) => {
    const { x } = args.inputs as { x: Info };
    const perm = (args.attrs as { perm: number[] }).perm;
    // Only the identity permutation: a view with another shape would share the tensor's id, and
    // the backend's XNNPACK products cache packed operands by that id (wrong products followed).
    if (x.dtype !== 'string' && perm.every((axis, i) => axis === i)) return share(x, args.backend);
    return transpose(args);
  });
}
