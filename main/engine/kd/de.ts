import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../data/rng';
import type { GradScope } from '../grad-scope';
import type { Param } from '../params';
import { expertMix } from '../kernels/expert-mix';
import { linearInitParam, squaredError } from './layers';

/** Gumbel noise for one (module, entity set): γ = −log(−log U), U clamped away from 0 and 1. */
export type GumbelSource = (module: string, set: string, n: number, experts: number) => tf.Tensor2D;

export function gumbelFrom(rng: Rng): GumbelSource {
  return (_module, _set, n, experts) => {
    const g = new Float32Array(n * experts);
    for (let i = 0; i < g.length; i++) {
      const u = Math.min(Math.max(rng.float(), 1e-10), 1 - 1e-10);
      g[i] = -Math.log(-Math.log(u));
    }
    return tf.tensor2d(g, [n, experts]);
  };
}

/**
 * METHOD.md §5.2 temperature schedule (inherited from DE-RRD): τ = 1 at epoch 0, then
 * τ_e = τ_start · (end/τ_start)^((e−1)/annealEpochs), floored at end.
 */
export function deTemperature(epoch: number, annealEpochs = 1000, end = 1e-10, start = 1): number {
  if (epoch === 0) return start;
  return Math.max(end, start * (end / start) ** ((epoch - 1) / annealEpochs));
}

export const LOG_EPS = 1e-10;

/**
 * One set of distillation experts (METHOD.md §5.2): M two-layer experts d_in → h → d_out,
 * stacked so all of them run as two batched matmuls, and a selection net reading `selDim`
 * features. Weights are stored as in the golden fixture: W1 (M, d_in, h), W2 (M, h, d_out).
 */
export class DistillationExperts {
  readonly W1: Param;
  readonly b1: Param;
  readonly W2: Param;
  readonly b2: Param;
  readonly Wsel: Param;
  readonly bsel: Param;
  readonly hiddenWidth: number;

  constructor(
    readonly name: string,
    readonly inDim: number,
    readonly outDim: number,
    selDim: number,
    readonly experts: number,
    rng: Rng,
  ) {
    this.hiddenWidth = inDim === outDim ? Math.floor(inDim / 2) : Math.floor((inDim + outDim) / 2);
    const M = experts;
    const h = this.hiddenWidth;
    this.W1 = linearInitParam(`${name}.W1`, [M, inDim, h], inDim, rng);
    this.b1 = linearInitParam(`${name}.b1`, [M, h], inDim, rng);
    this.W2 = linearInitParam(`${name}.W2`, [M, h, outDim], h, rng);
    this.b2 = linearInitParam(`${name}.b2`, [M, outDim], h, rng);
    this.Wsel = linearInitParam(`${name}.W_sel`, [selDim, M], selDim, rng);
    this.bsel = linearInitParam(`${name}.b_sel`, [M], selDim, rng);
  }

  get params(): Param[] {
    return [this.W1, this.b1, this.W2, this.b2, this.Wsel, this.bsel];
  }

  /** First layer of every expert as one matmul: (n, d_in) → (n, M, h). */
  private hidden(scope: GradScope, x: tf.Tensor2D): tf.Tensor3D {
    const M = this.experts;
    const h = this.hiddenWidth;
    const w1 = tf.reshape(tf.transpose(scope.full(this.W1), [1, 0, 2]), [this.inDim, M * h]);
    const pre = tf.add(tf.matMul(x, w1 as tf.Tensor2D), tf.reshape(scope.full(this.b1), [M * h]));
    return tf.reshape(tf.relu(pre), [x.shape[0], M, h]);
  }

  /** All experts' outputs for `x` (n, d_in) → (n, M, d_out); for inspection and tests. */
  expertOutputs(scope: GradScope, x: tf.Tensor2D): tf.Tensor3D {
    const perExpert = tf.transpose(this.hidden(scope, x), [1, 0, 2]) as tf.Tensor3D;
    const out = tf.add(
      tf.matMul(perExpert, scope.full(this.W2) as tf.Tensor3D),
      tf.reshape(scope.full(this.b2), [this.experts, 1, this.outDim]),
    );
    return tf.transpose(out, [1, 0, 2]) as tf.Tensor3D;
  }

  /**
   * Σ_k q_k E_k(x) without materialising the M expert outputs: weighting each expert's hidden
   * units by q_k and stacking them turns the second layers into one (n, M·h) × (M·h, d_out)
   * product, the shape the fast matmul path wants.
   */
  mixture(scope: GradScope, x: tf.Tensor2D, q: tf.Tensor2D): tf.Tensor2D {
    const Mh = this.experts * this.hiddenWidth;
    const w1 = tf.reshape(tf.transpose(scope.full(this.W1), [1, 0, 2]), [this.inDim, Mh]);
    const pre = tf.matMul(x, w1 as tf.Tensor2D);
    const b1 = tf.reshape(scope.full(this.b1), [Mh]) as tf.Tensor1D;
    const weighted = expertMix(pre as tf.Tensor2D, b1, q, this.hiddenWidth);
    const w2 = tf.reshape(scope.full(this.W2), [Mh, this.outDim]);
    const b2 = scope.full(this.b2) as tf.Tensor2D;
    return tf.add(
      tf.matMul(weighted as tf.Tensor2D, w2 as tf.Tensor2D),
      tf.matMul(q, b2),
    ) as tf.Tensor2D;
  }

  /** Selection probabilities π = softmax(sel · W_sel + b_sel), (n, M). */
  selection(scope: GradScope, sel: tf.Tensor2D): tf.Tensor2D {
    const logits = tf.add(
      tf.matMul(sel, scope.full(this.Wsel) as tf.Tensor2D),
      scope.full(this.bsel),
    );
    return tf.softmax(logits) as tf.Tensor2D;
  }

  /**
   * Per-entity loss ‖target − Σ_k q_k E_k(x)‖² with Gumbel-softmax weights
   * q = softmax((log(π + 1e-10) + γ)/τ).
   */
  loss(
    scope: GradScope,
    x: tf.Tensor2D,
    sel: tf.Tensor2D,
    target: tf.Tensor2D,
    gumbel: tf.Tensor2D,
    tau: number,
  ): { loss: tf.Tensor1D; q: tf.Tensor2D; hHat: tf.Tensor2D } {
    const pi = this.selection(scope, sel);
    const q =
      this.experts === 1
        ? (tf.onesLike(pi) as tf.Tensor2D)
        : (tf.softmax(tf.div(tf.add(tf.log(tf.add(pi, LOG_EPS)), gumbel), tau)) as tf.Tensor2D);
    const hHat = this.mixture(scope, x, q);
    return { loss: squaredError(target, hHat), q, hHat };
  }
}
