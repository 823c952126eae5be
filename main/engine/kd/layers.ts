import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../data/rng';
import type { GradScope } from '../grad-scope';
import { uniformParam, type Param } from '../params';

/** PyTorch's default Linear init: weight and bias ~ U(−1/√fanIn, 1/√fanIn). */
export const linearInitParam = (name: string, shape: number[], fanIn: number, rng: Rng): Param =>
  uniformParam(name, shape, 1 / Math.sqrt(fanIn), rng);

/** y = x · W + b with W stored (in, out), as in the golden fixture. */
export class Linear {
  readonly W: Param;
  readonly b: Param;

  /** Parameters are named `${name}.${names[0]}` and `${name}.${names[1]}`. */
  constructor(
    name: string,
    inDim: number,
    outDim: number,
    rng: Rng,
    names: [string, string] = ['W', 'b'],
  ) {
    this.W = linearInitParam(`${name}.${names[0]}`, [inDim, outDim], inDim, rng);
    this.b = linearInitParam(`${name}.${names[1]}`, [outDim], inDim, rng);
  }

  get params(): Param[] {
    return [this.W, this.b];
  }

  apply(scope: GradScope, x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(
      tf.matMul(x, scope.full(this.W) as tf.Tensor2D),
      scope.full(this.b),
    ) as tf.Tensor2D;
  }
}

/** Row-wise squared L2 distance, (n, d) × (n, d) → (n). */
export function squaredError(target: tf.Tensor2D, estimate: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.square(tf.sub(target, estimate)), 1) as tf.Tensor1D;
}
