import * as tf from '@tensorflow/tfjs-core';
import { modelOptions, type OptionsOf } from '../../contract';
import type { Batch } from '../../data/sampler';
import type { Rng } from '../../data/rng';
import type { TrainSet } from '../../data/split';
import type { GradScope, LossResult } from '../grad-scope';
import { edgeDropout, GraphTensors, normalizedGraph, uniqueBatchNodes } from './graph';
import { xavierTablesParam } from '../params';
import { LightGCN } from './lightgcn';
import { normalizeRows } from './normalize-rows';
import { infoNce } from '../kernels/infonce';

/** Layers, edge dropout ρ of each view, InfoNCE temperature τ, contrastive weight λ_ssl, and
 * embReg in embReg · ½ Σ ‖E⁰‖² over the batch rows (METHOD.md §4.5). */
export type SGLOptions = OptionsOf<'SGL'>;

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
    const [v1, v2] = this.views!;
    const layers = this.sgl.layers;
    const n = this.nUsers;
    // The first view is read only at the batch's users and positives: its last layer is
    // computed there alone. The second is every user's and item's negative: in full.
    const anchors = uniqueBatchNodes(b, n, { negatives: false });
    const z1 = normalizeRows(v1.layerMeanAt(v1.propagate(e0, layers - 1), anchors.nodes).mean);
    const z2 = normalizeRows(v2.layerMean(e0, layers));
    const slots = (a: Int32Array) => tf.tensor1d(a, 'int32');
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
        infoNce(tf.gather(z1, slots(anchors.u)), tf.gather(z2, users), allUsers, tau),
        infoNce(tf.gather(z1, slots(anchors.p)), tf.gather(z2, items), allItems, tau),
      ),
    ) as tf.Scalar;
    return { total: tf.add(base.total, ssl), terms: { ...base.terms, ssl } };
  }
}
