import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../../data/sampler';
import type { Rng } from '../../data/rng';
import type { GradScope, LossResult } from '../grad-scope';
import type { CandidateScorer } from '../kernels/candidate-scorer';
import { normalParam, type Param } from '../params';
import type { EntityKind, Recommender } from './model';

/** METHOD.md §4.1: matrix factorisation with the BPR loss, embeddings ~ N(0, 0.01²). */
export class BPR implements Recommender {
  readonly name = 'BPR';
  readonly user: Param;
  readonly item: Param;

  constructor(
    readonly nUsers: number,
    readonly nItems: number,
    readonly dim: number,
    rng: Rng,
  ) {
    this.user = normalParam('user', [nUsers, dim], 0.01, rng);
    this.item = normalParam('item', [nItems, dim], 0.01, rng);
  }

  get params(): Param[] {
    return [this.user, this.item];
  }

  loss(scope: GradScope, b: Batch): LossResult {
    const u = scope.rows(this.user, b.users);
    const p = scope.rows(this.item, b.pos);
    const n = scope.rows(this.item, b.neg);
    const sPos = tf.sum(tf.mul(u, p), 1);
    const sNeg = tf.sum(tf.mul(u, n), 1);
    // −log σ(s_p − s_n) = softplus(s_n − s_p), summed over triples.
    const bpr = tf.sum(tf.softplus(tf.sub(sNeg, sPos))) as tf.Scalar;
    return { total: bpr, terms: { bpr } };
  }

  representation(scope: GradScope, kind: EntityKind, ids: Int32Array): tf.Tensor2D {
    return scope.rows(kind === 'user' ? this.user : this.item, ids);
  }

  async representationTables() {
    return { users: this.user.data, items: this.item.data };
  }

  async scoreHeldOut(scorer: CandidateScorer): Promise<Float32Array> {
    return scorer.score(this.user.data, this.item.data, this.dim);
  }
}
