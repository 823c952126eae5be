import * as tf from '@tensorflow/tfjs-core';
import { MODEL_DEFAULTS, type OptionsOf } from '../../contract';
import type { Batch } from '../../data/sampler';
import { readTensor } from '../webgpu';
import type { Rng } from '../../data/rng';
import { GradScope, type LossResult } from '../grad-scope';
import type { CandidateScorer } from '../kernels/candidate-scorer';
import { normalParam, Param, uniformParam, xavierParam } from '../params';
import type { EntityKind, Recommender } from './model';

/**
 * METHOD.md §4.2, as configured in the authors' code: a GMF branch (e^G_u ⊙ e^G_i) and an MLP
 * branch (ReLU layers halving the width from [e^M_u; e^M_i], one layer 2d → d by default) joined
 * by a linear output on [g; mlp]; binary cross-entropy summed over each triple's positive (label
 * 1) and negative (label 0). KD distils the GMF rows, or optionally [GMF; MLP] rows.
 */
export class NeuMF implements Recommender {
  readonly name = 'NeuMF';
  readonly gmfUser: Param;
  readonly gmfItem: Param;
  readonly mlpUser: Param;
  readonly mlpItem: Param;
  /** (2d, d), Xavier-uniform; rows 0..d−1 act on the user half. */
  readonly mlpW: Param;
  readonly mlpB: Param;
  /** MLP layers after the first, each halving the width. */
  readonly deeper: { W: Param; b: Param }[] = [];
  /** (d + last MLP width, 1), Kaiming-uniform for ReLU; rows 0..d−1 act on the GMF product. */
  readonly outW: Param;
  readonly outB: Param;

  constructor(
    readonly nUsers: number,
    readonly nItems: number,
    readonly dim: number,
    rng: Rng,
    mlpLayers: number = MODEL_DEFAULTS.NeuMF.mlpLayers,
    /** What KD distils: the GMF rows, or [GMF; MLP] rows. */
    readonly kdRep: OptionsOf<'NeuMF'>['kdRep'] = MODEL_DEFAULTS.NeuMF.kdRep,
  ) {
    const d = dim;
    this.gmfUser = normalParam('gmf_user', [nUsers, d], 0.01, rng);
    this.gmfItem = normalParam('gmf_item', [nItems, d], 0.01, rng);
    this.mlpUser = normalParam('mlp_user', [nUsers, d], 0.01, rng);
    this.mlpItem = normalParam('mlp_item', [nItems, d], 0.01, rng);
    this.mlpW = xavierParam('mlp.W', 2 * d, d, rng);
    this.mlpB = new Param('mlp.b', [d], new Float32Array(d));
    let width = d;
    for (let l = 1; l < mlpLayers; l++) {
      const next = Math.max(1, Math.floor(width / 2));
      this.deeper.push({
        W: xavierParam(`mlp${l}.W`, width, next, rng),
        b: new Param(`mlp${l}.b`, [next], new Float32Array(next)),
      });
      width = next;
    }
    // Kaiming-uniform for ReLU: bound √(6 / fan_in).
    this.outW = uniformParam('out.W', [d + width, 1], Math.sqrt(6 / (d + width)), rng);
    this.outB = new Param('out.b', [1], new Float32Array(1));
  }

  get params(): Param[] {
    return [
      this.gmfUser,
      this.gmfItem,
      this.mlpUser,
      this.mlpItem,
      this.mlpW,
      this.mlpB,
      ...this.deeper.flatMap((l) => [l.W, l.b]),
      this.outW,
      this.outB,
    ];
  }

  /** Logits of (users[k], items[k]) pairs. */
  logits(scope: GradScope, users: Int32Array, items: Int32Array): tf.Tensor1D {
    const g = tf.mul(scope.rows(this.gmfUser, users), scope.rows(this.gmfItem, items));
    const x = tf.concat([scope.rows(this.mlpUser, users), scope.rows(this.mlpItem, items)], 1);
    let h = tf.relu(
      tf.add(tf.matMul(x, scope.full(this.mlpW) as tf.Tensor2D), scope.full(this.mlpB)),
    );
    for (const l of this.deeper)
      h = tf.relu(tf.add(tf.matMul(h, scope.full(l.W) as tf.Tensor2D), scope.full(l.b)));
    const out = tf.matMul(tf.concat([g, h], 1), scope.full(this.outW) as tf.Tensor2D);
    return tf.reshape(tf.add(out, scope.full(this.outB)), [users.length]);
  }

  loss(scope: GradScope, b: Batch): LossResult {
    const pos = this.logits(scope, b.users, b.pos);
    const neg = this.logits(scope, b.users, b.neg);
    // BCE with logits: −log σ(x) = softplus(−x) for label 1, −log(1 − σ(x)) = softplus(x) for 0.
    const bce = tf.add(tf.sum(tf.softplus(tf.neg(pos))), tf.sum(tf.softplus(neg))) as tf.Scalar;
    return { total: bce, terms: { bce } };
  }

  representation(scope: GradScope, kind: EntityKind, ids: Int32Array): tf.Tensor2D {
    const [gmf, mlp] =
      kind === 'user' ? [this.gmfUser, this.mlpUser] : [this.gmfItem, this.mlpItem];
    return this.kdRep === 'gmf+mlp'
      ? tf.concat([scope.rows(gmf, ids), scope.rows(mlp, ids)], 1)
      : scope.rows(gmf, ids);
  }

  async representationTables() {
    if (this.kdRep !== 'gmf+mlp') return { users: this.gmfUser.data, items: this.gmfItem.data };
    const d = this.dim;
    const rows = (gmf: Float32Array, mlp: Float32Array) => {
      const n = gmf.length / d;
      const out = new Float32Array(2 * n * d);
      for (let r = 0; r < n; r++) {
        out.set(gmf.subarray(r * d, r * d + d), 2 * r * d);
        out.set(mlp.subarray(r * d, r * d + d), 2 * r * d + d);
      }
      return out;
    };
    return {
      users: rows(this.gmfUser.data, this.mlpUser.data),
      items: rows(this.gmfItem.data, this.mlpItem.data),
    };
  }

  /**
   * The first MLP layer splits into a user part and an item part, projected once per entity;
   * with one MLP layer each of the 501 pairs per user then costs O(d) instead of O(d²), in one
   * SIMD pass.
   */
  async scoreHeldOut(scorer: CandidateScorer): Promise<Float32Array> {
    if (this.deeper.length > 0) return this.scoreByPairs(scorer);
    const d = this.dim;
    const W = this.mlpW.data;
    const project = async (table: Float32Array, n: number, half: number, bias?: Float32Array) => {
      const t = tf.tidy(() => {
        const w = tf.tensor2d(W.subarray(half * d * d, (half + 1) * d * d), [d, d]);
        const x = tf.matMul(tf.tensor2d(table, [n, d]), w);
        return bias ? tf.add(x, tf.tensor1d(bias)) : x;
      });
      const out = await readTensor(t);
      t.dispose();
      return out;
    };
    const wg = this.outW.data.subarray(0, d);
    const gmfUsers = this.gmfUser.data.map((x, k) => x * wg[k % d]);
    return scorer.scoreMlp(
      {
        gmfUsers,
        gmfItems: this.gmfItem.data,
        mlpUsers: await project(this.mlpUser.data, this.nUsers, 0, this.mlpB.data),
        mlpItems: await project(this.mlpItem.data, this.nItems, 1),
        mlpOut: this.outW.data.subarray(d, 2 * d),
        bias: this.outB.data[0],
      },
      d,
    );
  }

  /** Every evaluation pair through the full network, a few thousand users' pairs at a time. */
  private async scoreByPairs(scorer: CandidateScorer): Promise<Float32Array> {
    const per = scorer.slots;
    const out = new Float32Array(this.nUsers * per);
    const chunk = Math.max(1, Math.floor(2 ** 18 / per));
    for (let u0 = 0; u0 < this.nUsers; u0 += chunk) {
      const u1 = Math.min(this.nUsers, u0 + chunk);
      const users = new Int32Array((u1 - u0) * per);
      for (let u = u0; u < u1; u++) users.fill(u, (u - u0) * per, (u - u0 + 1) * per);
      const items = scorer.slotItems.subarray(u0 * per, u1 * per);
      const t = tf.tidy(() => GradScope.forward((s) => this.logits(s, users, items)));
      out.set(await readTensor(t), u0 * per);
      t.dispose();
    }
    return out;
  }
}
