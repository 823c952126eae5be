import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../../data/sampler';
import type { Rng } from '../../data/rng';
import type { TrainSet } from '../../data/split';
import type { GradScope, LossResult } from '../grad-scope';
import { edgeDropout, GraphTensors, normalizedGraph } from './graph';
import { xavierParam } from './init';
import { LightGCN } from './lightgcn';

export interface SGLOptions {
  layers: number;
  /** Share of edges each view drops (ρ). */
  edgeDropout: number;
  /** InfoNCE temperature τ. */
  temperature: number;
  /** Weight of the contrastive term λ_ssl. */
  ssl: number;
  /** reg in reg · ½ Σ ‖E⁰‖² over the batch rows. */
  reg: number;
}

export const SGL_DEFAULTS: SGLOptions = {
  layers: 3,
  edgeDropout: 0.1,
  temperature: 0.2,
  ssl: 0.1,
  reg: 1e-4,
};

/**
 * InfoNCE of METHOD.md §4.5: for each anchor row a of Z' (L2-normalised), the positive is the same
 * node's row of Z'' and the negatives every row of `all` (Z'' over all users, or all items):
 * Σ_a −log( exp(z'_a·z''_a/τ) / Σ_v exp(z'_a·z''_v/τ) ).
 *
 * One fused op: tfjs's logSumExp and its gradient over the (batch × all items) logits cost ~16 s
 * per CiteULike batch on wasm; a pass that keeps each anchor's softmax row costs about a second.
 * Gradients: ∂/∂a = (Σ_v p_av·all_v − pos_a)/τ, ∂/∂pos_a = −a/τ, ∂/∂all_v = Σ_a p_av·a/τ.
 */
export function infoNce(
  anchors: tf.Tensor2D,
  positives: tf.Tensor2D,
  all: tf.Tensor2D,
  tau: number,
): tf.Scalar {
  const [b, d] = anchors.shape;
  const n = all.shape[0];
  const op = tf.customGrad((x, y, z) => {
    const A = (x as tf.Tensor2D).dataSync() as Float32Array;
    const P = (y as tf.Tensor2D).dataSync() as Float32Array;
    const Z = (z as tf.Tensor2D).dataSync() as Float32Array;
    const probs = new Float32Array(b * n);
    let loss = 0;
    for (let r = 0; r < b; r++) {
      const ao = r * d;
      let max = -Infinity;
      for (let v = 0; v < n; v++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += A[ao + k] * Z[v * d + k];
        s /= tau;
        probs[r * n + v] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let v = 0; v < n; v++) {
        const e = Math.exp(probs[r * n + v] - max);
        probs[r * n + v] = e;
        sum += e;
      }
      for (let v = 0; v < n; v++) probs[r * n + v] /= sum;
      let pos = 0;
      for (let k = 0; k < d; k++) pos += A[ao + k] * P[ao + k];
      loss += max + Math.log(sum) - pos / tau;
    }
    return {
      value: tf.scalar(loss),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync()[0] / tau;
        const dA = new Float32Array(b * d);
        const dP = new Float32Array(b * d);
        const dZ = new Float32Array(n * d);
        for (let r = 0; r < b; r++) {
          const ao = r * d;
          for (let v = 0; v < n; v++) {
            const p = probs[r * n + v] * g;
            if (p === 0) continue;
            const zo = v * d;
            for (let k = 0; k < d; k++) {
              dA[ao + k] += p * Z[zo + k];
              dZ[zo + k] += p * A[ao + k];
            }
          }
          for (let k = 0; k < d; k++) {
            dA[ao + k] -= g * P[ao + k];
            dP[ao + k] = -g * A[ao + k];
          }
        }
        return [tf.tensor2d(dA, [b, d]), tf.tensor2d(dP, [b, d]), tf.tensor2d(dZ, [n, d])];
      },
    };
  });
  return op(anchors, positives, all) as tf.Scalar;
}

const l2rows = (x: tf.Tensor2D) =>
  tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12)) as tf.Tensor2D;

/**
 * SGL-ED: LightGCN trained with a contrastive term between two edge-dropout views of the graph,
 * drawn once per epoch; evaluation and the KD representation use the full graph.
 */
export class SGL extends LightGCN {
  override readonly name = 'SGL';
  private views: [GraphTensors, GraphTensors] | undefined;

  constructor(
    nUsers: number,
    nItems: number,
    dim: number,
    private readonly train: TrainSet,
    rng: Rng,
    /** The views' edge draws (a checkpointed stream: a resumed run draws the same ones). */
    private readonly noise: Rng,
    readonly sgl: SGLOptions = SGL_DEFAULTS,
  ) {
    super(nUsers, nItems, dim, train, rng, { layers: sgl.layers, reg: sgl.reg / 2 });
    // SGL's configuration initialises Xavier-uniform rather than N(0, 0.01²).
    this.embedding.data.set(xavierParam('embedding', nUsers + nItems, dim, rng).data);
  }

  startEpoch(): void {
    const view = () =>
      new GraphTensors(normalizedGraph(edgeDropout(this.train, this.sgl.edgeDropout, this.noise)));
    this.views = [view(), view()];
  }

  override loss(scope: GradScope, b: Batch): LossResult {
    const base = super.loss(scope, b);
    if (!this.views) this.startEpoch();
    const { e0 } = this.tables(scope);
    const [z1, z2] = this.views!.map((v) => l2rows(v.layerMean(e0, this.sgl.layers)));
    const n = this.nUsers;
    const users = tf.tensor1d(b.users, 'int32');
    const items = tf.tensor1d(
      b.pos.map((i) => i + n),
      'int32',
    );
    const allUsers = tf.slice(z2, [0, 0], [n, this.dim]);
    const allItems = tf.slice(z2, [n, 0], [this.nItems, this.dim]);
    const tau = this.sgl.temperature;
    const ssl = tf.mul(
      this.sgl.ssl,
      tf.add(
        infoNce(tf.gather(z1, users), tf.gather(z2, users), allUsers, tau),
        infoNce(tf.gather(z1, items), tf.gather(z2, items), allItems, tau),
      ),
    ) as tf.Scalar;
    return { total: tf.add(base.total, ssl), terms: { ...base.terms, ssl } };
  }
}
