import * as tf from '@tensorflow/tfjs-core';
import { modelOptions, type OptionsOf } from '../../contract';
import type { Batch } from '../../data/sampler';
import { readTensor } from '../webgpu';
import type { Rng } from '../../data/rng';
import type { TrainSet } from '../../data/split';
import type { GradScope, LossResult } from '../grad-scope';
import type { CandidateScorer } from '../kernels/candidate-scorer';
import { normalParam, type Param } from '../params';
import { batchNodes, GraphTensors, normalizedGraph } from './graph';
import type { EntityKind, Recommender } from './model';

/** Propagation layers (authors' code 1, the original LightGCN 3) and the weight of the ½-less L2
 * on the batch's layer-0 rows (1e-4; the authors' code adds it twice). */
export type LightGCNOptions = Pick<OptionsOf<'LightGCN'>, 'layers' | 'embReg'>;

/**
 * METHOD.md §4.3: embeddings propagated over the normalised training graph, averaged over layers;
 * the whole graph is propagated for every batch and gradients flow into E⁰.
 */
export class LightGCN implements Recommender {
  readonly name: string = 'LightGCN';
  readonly embedding: Param;
  protected readonly graph: GraphTensors;
  /** E⁰ and the propagated table of the current step, shared by the loss and KD. */
  private readonly step = new WeakMap<GradScope, { e0: tf.Tensor2D; final: tf.Tensor2D }>();

  constructor(
    readonly nUsers: number,
    readonly nItems: number,
    readonly dim: number,
    train: TrainSet,
    rng: Rng,
    readonly opts: LightGCNOptions = modelOptions('LightGCN'),
  ) {
    this.embedding = normalParam('embedding', [nUsers + nItems, dim], 0.01, rng);
    this.graph = new GraphTensors(normalizedGraph(train));
  }

  get params(): Param[] {
    return [this.embedding];
  }

  protected tables(scope: GradScope): { e0: tf.Tensor2D; final: tf.Tensor2D } {
    let t = this.step.get(scope);
    if (!t) {
      const e0 = scope.full(this.embedding) as tf.Tensor2D;
      t = { e0, final: this.graph.layerMean(e0, this.opts.layers) };
      this.step.set(scope, t);
    }
    return t;
  }

  loss(scope: GradScope, b: Batch): LossResult {
    const { e0, final: e } = this.tables(scope);
    const ids = batchNodes(b, this.nUsers);
    const u = tf.gather(e, ids.u);
    const sPos = tf.sum(tf.mul(u, tf.gather(e, ids.p)), 1);
    const sNeg = tf.sum(tf.mul(u, tf.gather(e, ids.n)), 1);
    const bpr = tf.sum(tf.softplus(tf.sub(sNeg, sPos))) as tf.Scalar;
    const sq = (i: tf.Tensor1D) => tf.sum(tf.square(tf.gather(e0, i)));
    const reg = tf.mul(this.opts.embReg, tf.addN([sq(ids.u), sq(ids.p), sq(ids.n)])) as tf.Scalar;
    return { total: tf.add(bpr, reg), terms: { bpr, reg } };
  }

  representation(scope: GradScope, kind: EntityKind, ids: Int32Array): tf.Tensor2D {
    const rows = kind === 'user' ? ids : ids.map((i) => i + this.nUsers);
    return tf.gather(this.tables(scope).final, tf.tensor1d(rows, 'int32'));
  }

  async representationTables() {
    const all = tf.tidy(() =>
      this.graph.layerMean(
        tf.tensor2d(this.embedding.data, this.embedding.shape as [number, number]),
        this.opts.layers,
      ),
    );
    const data = await readTensor(all);
    all.dispose();
    const split = this.nUsers * this.dim;
    return { users: data.slice(0, split), items: data.slice(split) };
  }

  async scoreHeldOut(scorer: CandidateScorer): Promise<Float32Array> {
    const t = await this.representationTables();
    return scorer.score(t.users, t.items, this.dim);
  }
}
