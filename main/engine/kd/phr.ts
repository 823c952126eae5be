import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../data/rng';
import type { GradScope } from '../grad-scope';
import type { Param } from '../params';
import { Linear, squaredError } from './layers';

/**
 * Personalised hint regression (METHOD.md §5.3): an MLP d_in → ⌊(d_in + d_out·d_S)/2⌋ →
 * d_out·d_S maps each entity's input to its own projection Θ (d_out × d_S), and
 * ℓ = ‖target − Θ · h_S‖². One net is shared by users and items.
 */
export class PersonalisationNet {
  readonly l1: Linear;
  readonly l2: Linear;

  constructor(
    name: string,
    inDim: number,
    readonly outDim: number,
    readonly studentDim: number,
    rng: Rng,
  ) {
    const hidden = Math.floor((inDim + outDim * studentDim) / 2);
    this.l1 = new Linear(name, inDim, hidden, rng, ['W1', 'b1']);
    this.l2 = new Linear(name, hidden, outDim * studentDim, rng, ['W2', 'b2']);
  }

  get params(): Param[] {
    return [...this.l1.params, ...this.l2.params];
  }

  /** Θ for each entity, (n, d_out, d_S), row-major from the net's output. */
  theta(scope: GradScope, x: tf.Tensor2D): tf.Tensor3D {
    const p = this.l2.apply(scope, tf.relu(this.l1.apply(scope, x)));
    return tf.reshape(p, [x.shape[0], this.outDim, this.studentDim]);
  }

  loss(scope: GradScope, x: tf.Tensor2D, hS: tf.Tensor2D, target: tf.Tensor2D): tf.Tensor1D {
    const theta = this.theta(scope, x);
    // Θ_e · h_S(e) for every entity: a broadcast product, not n tiny matmuls.
    const hHat = tf.sum(tf.mul(theta, tf.expandDims(hS, 1)), 2) as tf.Tensor2D;
    return squaredError(target, hHat);
  }
}
