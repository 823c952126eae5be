import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../data/rng';
import type { GradScope } from '../grad-scope';
import type { Param } from '../params';
import { Linear, uniformParam } from './layers';

/**
 * The hypernetwork of METHOD.md §5.4: p_e = h_T(e)·W + b (W stored (d_T, D), D = d_T·Σd_i),
 * chunk i reshaped to Θ_i(e) (d_i × d_T) and h_TA_i(e) = Θ_i(e)·h_T(e).
 *
 * Computed in the outer-product form of §8.3, which never materialises the (n × D) output:
 * h_TA_all = vec(h h^T)·W_flat^T + h·B_mat^T with W_flat[R][c·d_T + k] = W[k][R·d_T + c].
 */
export class Hypernet {
  readonly layer: Linear;
  readonly totalTa: number;

  constructor(
    name: string,
    readonly dT: number,
    readonly taDims: number[],
    rng: Rng,
  ) {
    this.totalTa = taDims.reduce((a, b) => a + b, 0);
    this.layer = new Linear(name, dT, dT * this.totalTa, rng);
  }

  get params(): Param[] {
    return this.layer.params;
  }

  /** All TAs' representations, (n, Σd_i), columns grouped by TA in order. */
  all(scope: GradScope, hT: tf.Tensor2D): tf.Tensor2D {
    const n = hT.shape[0];
    const d = this.dT;
    const outer = tf.reshape(tf.mul(tf.expandDims(hT, 2), tf.expandDims(hT, 1)), [n, d * d]);
    const W = scope.full(this.layer.W);
    const wFlat = tf.reshape(tf.transpose(tf.reshape(W, [d, this.totalTa, d]), [1, 2, 0]), [
      this.totalTa,
      d * d,
    ]);
    const bMat = tf.reshape(scope.full(this.layer.b), [this.totalTa, d]);
    return tf.add(
      tf.matMul(outer as tf.Tensor2D, wFlat as tf.Tensor2D, false, true),
      tf.matMul(hT, bMat as tf.Tensor2D, false, true),
    ) as tf.Tensor2D;
  }

  /** The same function computed naively through p_e and Θ_i (tests compare the two). */
  naive(scope: GradScope, hT: tf.Tensor2D): tf.Tensor2D {
    const n = hT.shape[0];
    const p = this.layer.apply(scope, hT);
    const parts: tf.Tensor2D[] = [];
    let offset = 0;
    for (const di of this.taDims) {
      const theta = tf.reshape(tf.slice(p, [0, offset], [n, this.dT * di]), [n, di, this.dT]);
      parts.push(tf.squeeze(tf.matMul(theta, tf.expandDims(hT, 2)), [2]) as tf.Tensor2D);
      offset += this.dT * di;
    }
    return tf.concat(parts, 1);
  }
}

/** w/o HNet, reading (a): one learnable Θ_i (d_i × d_T) per TA, shared by every entity. */
export class StaticProjections {
  readonly thetas: Param[];

  constructor(name: string, dT: number, taDims: number[], rng: Rng) {
    this.thetas = taDims.map((di, i) => uniformParam(`${name}.${i}`, [di, dT], dT, rng));
  }

  get params(): Param[] {
    return this.thetas;
  }

  all(scope: GradScope, hT: tf.Tensor2D): tf.Tensor2D {
    const parts = this.thetas.map((t) => tf.matMul(hT, scope.full(t) as tf.Tensor2D, false, true));
    return (parts.length === 1 ? parts[0] : tf.concat(parts, 1)) as tf.Tensor2D;
  }
}

/** Splits (n, Σd_i) into the per-TA blocks. */
export function splitTas(all: tf.Tensor2D, taDims: number[]): tf.Tensor2D[] {
  // tfjs cannot differentiate a one-way split (its gradient concatenates nothing).
  if (taDims.length === 1) return [all];
  return tf.split(all, taDims, 1) as tf.Tensor2D[];
}

/** The gatenet: g(e) = softmax(h_T(e)·W_G + b_G) over the m TAs. */
export class Gatenet {
  readonly layer: Linear;

  constructor(name: string, dT: number, m: number, rng: Rng) {
    this.layer = new Linear(name, dT, m, rng);
  }

  get params(): Param[] {
    return this.layer.params;
  }

  apply(scope: GradScope, hT: tf.Tensor2D): tf.Tensor2D {
    return tf.softmax(this.layer.apply(scope, hT)) as tf.Tensor2D;
  }
}
