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
 */
export function infoNce(
  anchors: tf.Tensor2D,
  positives: tf.Tensor2D,
  all: tf.Tensor2D,
  tau: number,
): tf.Scalar {
  const pos = tf.div(tf.sum(tf.mul(anchors, positives), 1), tau);
  const logits = tf.div(tf.matMul(anchors, all, false, true), tau);
  return tf.sum(tf.sub(tf.logSumExp(logits, 1), pos)) as tf.Scalar;
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
