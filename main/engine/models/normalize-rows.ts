import * as tf from '@tensorflow/tfjs-core';

/** x / max(‖x‖₂, 1e-12) per row (PyTorch's F.normalize), without tf.norm's slow pow kernels. */
export function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), 1, true), 1e-24)));
}
