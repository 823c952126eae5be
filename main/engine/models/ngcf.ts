import * as tf from '@tensorflow/tfjs-core';
import { modelOptions, type OptionsOf } from '../../contract';
import type { Batch } from '../../data/sampler';
import { readTensor } from '../webgpu';
import type { Rng } from '../../data/rng';
import type { TrainSet } from '../../data/split';
import type { GradScope, LossResult } from '../grad-scope';
import type { CandidateScorer } from '../kernels/candidate-scorer';
import { xavierParam, xavierTablesParam, type Param } from '../params';
import { seededDropout } from '../kernels/dropout';
import { leakyRelu } from '../kernels/leaky-relu';
import { GraphTensors, NodeRows, selfLoopGraph, uniqueBatchNodes } from './graph';
import { normalizeRows } from './normalize-rows';
import type { EntityKind, Recommender } from './model';

/** Layers, node dropout (entries of Ã dropped per batch, survivors rescaled by 1/(1 − p)),
 * message dropout (on each layer's output), Ã's normalisation (reference row or paper
 * symmetric) and what KD distils (layer-0 rows or the concatenated output). */
export type NGCFOptions = OptionsOf<'NGCF'>;

interface Layer {
  W1: Param;
  b1: Param;
  W2: Param;
  b2: Param;
}

/**
 * METHOD.md §4.4 (after huangtinglin/NGCF-PyTorch): E^{k+1} = LeakyReLU_0.2(S W1 + b1 + (E^k ⊙ S) W2
 * + b2) with S = Ã E^k over the self-looped, row-normalised graph; the score uses
 * [E⁰, norm(E¹), …, norm(E^L)]. KD distils the layer-0 ("ego") rows, or that output.
 */
export class NGCF implements Recommender {
  readonly name = 'NGCF';
  readonly embedding: Param;
  readonly layers: Layer[];
  private readonly graph: GraphTensors;
  /** This step's output rows at the batch's nodes, for KD. */
  private readonly step = new WeakMap<GradScope, NodeRows>();

  constructor(
    readonly nUsers: number,
    readonly nItems: number,
    readonly dim: number,
    train: TrainSet,
    rng: Rng,
    /** Dropout masks (a checkpointed stream, so a resumed run draws the same ones). */
    private readonly noise: Rng,
    readonly opts: NGCFOptions = modelOptions('NGCF'),
  ) {
    const d = dim;
    this.embedding = xavierTablesParam('embedding', nUsers, nItems, d, rng);
    this.layers = Array.from({ length: opts.layers }, (_, k) => ({
      W1: xavierParam(`layer${k}.W1`, d, d, rng),
      b1: xavierParam(`layer${k}.b1`, 1, d, rng),
      W2: xavierParam(`layer${k}.W2`, d, d, rng),
      b2: xavierParam(`layer${k}.b2`, 1, d, rng),
    }));
    this.graph = new GraphTensors(selfLoopGraph(train, opts.adjacency));
  }

  get params(): Param[] {
    return [this.embedding, ...this.layers.flatMap((l) => [l.W1, l.b1, l.W2, l.b2])];
  }

  /**
   * E¹ … E^L before their row normalisation; `training` applies node and message dropout. With
   * `rows`, the last layer is computed only there: its products are ~1/3 of the step and a batch
   * touches ~10% of the nodes, while every earlier layer is still needed in full to feed it.
   */
  private propagate(
    e0: tf.Tensor2D,
    weights: (l: Layer) => tf.Tensor2D[],
    training: boolean,
    rows?: Int32Array,
  ): tf.Tensor2D[] {
    const { nodeDropout, messageDropout } = this.opts;
    const w = training && nodeDropout > 0 ? this.droppedWeights(nodeDropout) : this.graph.g.weight;
    const out: tf.Tensor2D[] = [];
    let e = e0;
    this.layers.forEach((layer, k) => {
      const [W1, b1, W2, b2] = weights(layer);
      const atRows = rows && k === this.layers.length - 1;
      const s = atRows ? this.graph.spreadAt(e, rows, w) : this.graph.spreadWith(e, w);
      const ego = atRows ? tf.gather(e, tf.tensor1d(rows, 'int32')) : e;
      let next = leakyRelu(
        tf.add(tf.add(tf.matMul(s, W1), b1), tf.add(tf.matMul(tf.mul(ego, s), W2), b2)),
        0.2,
      ) as tf.Tensor2D;
      if (training && messageDropout > 0)
        next = seededDropout(next, messageDropout, this.noise.int(2 ** 31 - 1));
      out.push(next);
      e = next;
    });
    return out;
  }

  /** Each entry of Ã dropped with probability p, the survivors scaled by 1/(1 − p). */
  private droppedWeights(p: number): Float32Array {
    const w = this.graph.g.weight;
    const out = new Float32Array(w.length);
    for (let e = 0; e < w.length; e++) if (this.noise.float() >= p) out[e] = w[e] / (1 - p);
    return out;
  }

  /**
   * [E⁰, norm(E¹), …, norm(E^L)] at `nodes`, training mode: one dropout draw. Normalising rows
   * commutes with picking them, so only the last layer's inputs are needed in full.
   */
  private outputRows(scope: GradScope, nodes: Int32Array): tf.Tensor2D {
    const full = (p: Param) => scope.full(p) as tf.Tensor2D;
    const rows = tf.tensor1d(nodes, 'int32');
    const e0 = full(this.embedding);
    const layers = this.propagate(
      e0,
      (l) => [full(l.W1), full(l.b1), full(l.W2), full(l.b2)],
      true,
      nodes,
    );
    const last = layers.length - 1;
    return tf.concat(
      [
        tf.gather(e0, rows),
        ...layers.map((x, k) => normalizeRows(k === last ? x : tf.gather(x, rows))),
      ],
      1,
    );
  }

  loss(scope: GradScope, b: Batch): LossResult {
    const { nodes, u, p, n } = uniqueBatchNodes(b, this.nUsers);
    const out = this.outputRows(scope, nodes);
    this.step.set(scope, new NodeRows(nodes, out));
    const eu = tf.gather(out, u);
    const score = (i: Int32Array) => tf.sum(tf.mul(eu, tf.gather(out, i)), 1);
    const bpr = tf.sum(tf.softplus(tf.sub(score(n), score(p)))) as tf.Scalar;
    return { total: bpr, terms: { bpr } };
  }

  representation(scope: GradScope, kind: EntityKind, ids: Int32Array): tf.Tensor2D {
    const nodes = kind === 'user' ? ids : ids.map((i) => i + this.nUsers);
    if (this.opts.kdRep === 'ego') return scope.rows(this.embedding, nodes);
    return this.step.get(scope)?.at(nodes) ?? this.outputRows(scope, nodes);
  }

  /** The scoring output [E⁰, norm(E¹), …, norm(E^L)] of every node, without dropout. */
  private async output(): Promise<Float32Array> {
    const out = tf.tidy(() => {
      const t = (p: Param) => tf.tensor2d(p.data, p.shape as [number, number]);
      const e0 = t(this.embedding);
      const layers = this.propagate(e0, (l) => [t(l.W1), t(l.b1), t(l.W2), t(l.b2)], false);
      return tf.concat([e0, ...layers.map(normalizeRows)], 1);
    });
    const data = await readTensor(out);
    out.dispose();
    return data;
  }

  private get outputWidth(): number {
    return (this.opts.layers + 1) * this.dim;
  }

  async representationTables() {
    const [table, width] =
      this.opts.kdRep === 'ego'
        ? [this.embedding.data, this.dim]
        : [await this.output(), this.outputWidth];
    const split = this.nUsers * width;
    return { users: table.slice(0, split), items: table.slice(split) };
  }

  async scoreHeldOut(scorer: CandidateScorer): Promise<Float32Array> {
    const data = await this.output();
    const split = this.nUsers * this.outputWidth;
    return scorer.score(data.subarray(0, split), data.subarray(split), this.outputWidth);
  }
}
