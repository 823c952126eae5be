import * as tf from '@tensorflow/tfjs-core';

// Transformations of HyperKDMA's TA representations before a TA module regresses onto them
// (the `detached` and `normalised` TA modes).

/** Row-wise L2 norms, (n, d) → (n); `eps` keeps the gradient finite at a zero row. */
export function rowNorms(x: tf.Tensor2D, eps = 0): tf.Tensor1D {
  const sq = tf.sum(tf.square(x), 1);
  return tf.sqrt(eps > 0 ? tf.add(sq, eps) : sq) as tf.Tensor1D;
}

/** The same values with no gradient flowing back through them (tfjs has no stop_gradient). */
export const detach = tf.customGrad((x) => ({
  value: tf.clone(x as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as (x: tf.Tensor2D) => tf.Tensor2D;

/**
 * Each row of `x` rescaled to a given norm (a reference's `rowNorms`): x(e)·‖ref(e)‖/‖x(e)‖.
 * Scaling x by any s > 0 leaves the result unchanged, so a loss on it cannot be lowered by
 * shrinking x.
 */
export function toNormsOf(x: tf.Tensor2D, norms: tf.Tensor1D): tf.Tensor2D {
  const scale = tf.div(norms, rowNorms(x, 1e-24));
  return tf.mul(x, tf.expandDims(scale, 1)) as tf.Tensor2D;
}
