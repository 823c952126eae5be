import * as tf from '@tensorflow/tfjs-core';
import { modelOptions, type OptionsOf } from '../../contract';
import type { Batch } from '../../data/sampler';
import { readTensor } from '../webgpu';
import type { Rng } from '../../data/rng';
import type { TrainSet } from '../../data/split';
import type { GradScope, LossResult } from '../grad-scope';
import type { CandidateScorer } from '../kernels/candidate-scorer';
import { normalParam, type Param } from '../params';
import { GraphTensors, NodeRows, normalizedGraph, uniqueBatchNodes } from './graph';
import type { EntityKind, Recommender } from './model';

/** Propagation layers (authors' code 1, the original LightGCN 3) and the weight of the ½-less L2
 * on the batch's layer-0 rows (1e-4; the authors' code adds it twice). */
export type LightGCNOptions = Pick<OptionsOf<'LightGCN'>, 'layers' | 'embReg'>;

/**
 * METHOD.md §4.3: embeddings propagated over the normalised training graph, averaged over layers;
 * every layer but the last is propagated over the whole graph for each batch, the last only at
 * the rows the step reads, and gradients flow into E⁰.
 */
export class LightGCN implements Recommender {
  readonly name: string = 'LightGCN';
  readonly embedding: Param;
  protected readonly graph: GraphTensors;
  /** E⁰ … E^{L−1} of the current step in full (each feeds the next), shared by the loss and KD. */
  private readonly step = new WeakMap<GradScope, tf.Tensor2D[]>();
  /** This step's output rows at the batch's nodes, for KD. */
  private readonly batchRows = new WeakMap<GradScope, NodeRows>();

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

  protected tables(scope: GradScope): { e0: tf.Tensor2D; lower: tf.Tensor2D[] } {
    let lower = this.step.get(scope);
    if (!lower) {
      lower = this.graph.propagate(scope.full(this.embedding) as tf.Tensor2D, this.opts.layers - 1);
      this.step.set(scope, lower);
    }
    return { e0: lower[0], lower };
  }

  loss(scope: GradScope, b: Batch): LossResult {
    const { nodes, u, p, n } = uniqueBatchNodes(b, this.nUsers);
    const { mean: out, lowerRows } = this.graph.layerMeanAt(this.tables(scope).lower, nodes);
    this.batchRows.set(scope, new NodeRows(nodes, out));
    const at = (rows: tf.Tensor2D, slots: Int32Array) =>
      tf.gather(rows, tf.tensor1d(slots, 'int32'));
    const eu = at(out, u);
    const sPos = tf.sum(tf.mul(eu, at(out, p)), 1);
    const sNeg = tf.sum(tf.mul(eu, at(out, n)), 1);
    const bpr = tf.sum(tf.softplus(tf.sub(sNeg, sPos))) as tf.Scalar;
    const sq = (slots: Int32Array) => tf.sum(tf.square(at(lowerRows[0], slots)));
    const reg = tf.mul(this.opts.embReg, tf.addN([sq(u), sq(p), sq(n)])) as tf.Scalar;
    return { total: tf.add(bpr, reg), terms: { bpr, reg } };
  }

  /** The propagated output at the entities: the loss's rows where it computed them. */
  representation(scope: GradScope, kind: EntityKind, ids: Int32Array): tf.Tensor2D {
    const nodes = kind === 'user' ? ids : ids.map((i) => i + this.nUsers);
    return (
      this.batchRows.get(scope)?.at(nodes) ??
      this.graph.layerMeanAt(this.tables(scope).lower, nodes).mean
    );
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
