import * as tf from '@tensorflow/tfjs-core';
import { modelOptions, type OptionsOf } from '../../contract';
import type { Batch } from '../../data/sampler';
import type { Rng } from '../../data/rng';
import type { TrainSet } from '../../data/split';
import type { GradScope, LossResult } from '../grad-scope';
import { edgeDropout, GraphTensors, normalizedGraph } from './graph';
import { xavierTablesParam } from '../params';
import { LightGCN } from './lightgcn';
import { normalizeRows } from './normalize-rows';

/** Layers, edge dropout ρ of each view, InfoNCE temperature τ, contrastive weight λ_ssl, and
 * embReg in embReg · ½ Σ ‖E⁰‖² over the batch rows (METHOD.md §4.5). */
export type SGLOptions = OptionsOf<'SGL'>;

/**
 * InfoNCE of METHOD.md §4.5: for each anchor row a of Z' (L2-normalised), the positive is the same
 * node's row of Z'' and the negatives every row of `all` (Z'' over all users, or all items):
 * Σ_a −log( exp(z'_a·z''_a/τ) / Σ_v exp(z'_a·z''_v/τ) ).
 *
 * One custom op over the (batch × all) logits: a matmul and wasm's native softmax, from which
 * log Σ_v exp(l_av) = max_v l_av − log max_v p_av (the largest logit has the largest
 * probability). tfjs's logSumExp and its gradient cost ~16 s per CiteULike batch on wasm
 * (generic broadcasting kernels). Gradients, with p the softmax rows: ∂/∂a = (Σ_v p_av·all_v −
 * pos_a)/τ, ∂/∂pos_a = −a/τ, ∂/∂all_v = Σ_a p_av·a/τ — two more matmuls.
 */
export function infoNce(
  anchors: tf.Tensor2D,
  positives: tf.Tensor2D,
  all: tf.Tensor2D,
  tau: number,
): tf.Scalar {
  const op = tf.customGrad((...args) => {
    const [a, pos, z] = args as tf.Tensor2D[];
    const save = args[3] as tf.GradSaveFunc;
    const logits = tf.matMul(tf.div(a, tau), z, false, true);
    const probs = tf.softmax(logits);
    const lse = tf.sub(tf.max(logits, 1), tf.log(tf.max(probs, 1)));
    save([a, pos, z, probs]);
    return {
      value: tf.sum(tf.sub(lse, tf.div(tf.sum(tf.mul(a, pos), 1), tau))),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [a, pos, z, probs] = saved as tf.Tensor2D[];
        const g = tf.div(dy, tau);
        return [
          tf.mul(tf.sub(tf.matMul(probs, z), pos), g),
          tf.mul(tf.neg(a), g),
          tf.mul(tf.matMul(probs, a, true, false), g),
        ];
      },
    };
  });
  return op(anchors, positives, all) as tf.Scalar;
}

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
    readonly sgl: SGLOptions = modelOptions('SGL'),
  ) {
    super(nUsers, nItems, dim, train, rng, { layers: sgl.layers, embReg: sgl.embReg / 2 });
    // SGL's configuration initialises Xavier-uniform rather than N(0, 0.01²).
    this.embedding.data.set(xavierTablesParam('embedding', nUsers, nItems, dim, rng).data);
  }

  startEpoch(): void {
    const view = () =>
      new GraphTensors(normalizedGraph(edgeDropout(this.train, this.sgl.edgeDropout, this.noise)));
    for (const v of this.views ?? []) v.dispose();
    this.views = [view(), view()];
  }

  override loss(scope: GradScope, b: Batch): LossResult {
    const base = super.loss(scope, b);
    // λ_ssl = 0 (an ablation) is the LightGCN backbone alone: no views to propagate.
    if (this.sgl.ssl === 0) return base;
    if (!this.views) this.startEpoch();
    const { e0 } = this.tables(scope);
    const [z1, z2] = this.views!.map((v) => normalizeRows(v.layerMean(e0, this.sgl.layers)));
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
