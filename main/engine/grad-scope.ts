import * as tf from '@tensorflow/tfjs-core';
import { readNow } from './kernels/heap-kernels';
import type { Param } from './params';

export interface LossResult {
  total: tf.Scalar;
  /** Named loss terms (already weighted as they enter the total) for logging. */
  terms: Record<string, tf.Scalar>;
  /** Diagnostics that are not part of the loss (norms, entropies, unweighted terms). */
  stats?: Record<string, tf.Scalar>;
}

export interface StepValues {
  total: number;
  terms: Record<string, number>;
  stats: Record<string, number>;
}

/**
 * Uploads parameters into one differentiable step and routes their gradients back to the owning
 * Param. Every upload hangs off a scalar "anchor" through a custom gradient, so differentiating
 * the loss with respect to that one scalar visits every parameter the loss actually used, and
 * each visit scatters its gradient into the Param.
 */
export class GradScope {
  private anchor: tf.Scalar | undefined;

  /** Rows `ids` of a table, as an (n × cols) tensor. */
  rows(p: Param, ids: ArrayLike<number>): tf.Tensor2D {
    const values = p.gatherRows(ids);
    const shape: [number, number] = [ids.length, p.cols];
    return this.leaf(
      p,
      () => tf.tensor2d(values, shape),
      (g) => p.accumulateRows(ids, g),
    );
  }

  /** The whole parameter in its own shape. */
  full(p: Param): tf.Tensor {
    return this.leaf(
      p,
      () => tf.tensor(p.data, p.shape),
      (g) => p.accumulateAll(g),
    );
  }

  private leaf<T extends tf.Tensor>(
    p: Param,
    make: () => T,
    accumulate: (g: Float32Array) => void,
  ): T {
    const anchor = this.anchor;
    if (!p.trainable || !anchor) return make();
    const op = tf.customGrad((a) => ({
      value: make(),
      gradFunc: (dy: T) => {
        accumulate(readNow(dy));
        return tf.zerosLike(a as tf.Tensor);
      },
    }));
    return op(anchor) as T;
  }

  /**
   * Evaluates `f` and accumulates the gradient of its total into every trainable Param it used.
   * All tensors of the step are released before returning.
   */
  static step(f: (scope: GradScope) => LossResult): StepValues {
    const scope = new GradScope();
    let kept: Record<string, tf.Scalar> = {};
    let keptStats: Record<string, tf.Scalar> = {};
    try {
      const totalValue = tf.tidy(() => {
        const { value } = tf.valueAndGrad((a: tf.Scalar) => {
          scope.anchor = a;
          const r = f(scope);
          // The forward pass runs in its own tidy scope; keep the terms to read them afterwards.
          const keep = (x: Record<string, tf.Scalar> = {}) =>
            Object.fromEntries(Object.entries(x).map(([k, t]) => [k, tf.keep(t)]));
          kept = keep(r.terms);
          keptStats = keep(r.stats);
          return r.total;
        })(tf.scalar(0));
        return value.dataSync()[0];
      });
      const read = (x: Record<string, tf.Scalar>) =>
        Object.fromEntries(Object.entries(x).map(([k, t]) => [k, t.dataSync()[0]]));
      return { total: totalValue, terms: read(kept), stats: read(keptStats) };
    } finally {
      for (const t of [...Object.values(kept), ...Object.values(keptStats)]) t.dispose();
      scope.anchor = undefined;
    }
  }

  /** Evaluates `f` without gradients (evaluation, diagnostics). */
  static forward<T>(f: (scope: GradScope) => T): T {
    return f(new GradScope());
  }
}
