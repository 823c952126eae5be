import * as tf from '@tensorflow/tfjs-core';
import type { KDFlavour, TaMode } from '../../contract';
import type { Rng } from '../../data/rng';
import type { GradScope } from '../grad-scope';
import type { Param } from '../params';
import { DistillationExperts } from './de';
import type { Distiller } from './distiller';
import {
  compose,
  concatSets,
  mapSets,
  SET_NAMES,
  splitSets,
  type PerSet,
  type SetName,
} from './entity-sets';
import { gumbelRows, guideRows, type Guide, type GuideKD, type KDStepInput } from './guide';
import { Gatenet, Hypernet, splitTas, StaticProjections } from './hypernet';
import { Linear, squaredError } from './layers';
import { PersonalisationNet } from './phr';
import { detach, rowNorms, toNormsOf } from './ta-targets';

/**
 * Where the TA representations come from: the per-entity hypernetwork (the method), one static
 * projection per TA (ablation "w/o HNet (a)"), or pretrained, frozen TA models ("w/o HNet (b)").
 */
export type TaSource =
  { kind: 'hypernet' } | { kind: 'shared' } | { kind: 'pretrained'; guides: Guide[] };

export interface HyperKDMAOptions {
  flavour: KDFlavour;
  dT: number;
  dS: number;
  taDims: number[];
  experts: number;
  lambdaT: number;
  lambdaTA: number;
  itemWeight: number;
  taSource: TaSource;
  /** false: uniform weights 1/m (ablation "w/o GNet"). */
  gate: boolean;
  /** How the TA term trains (TA_MODE_HELP); `paper` unless a variant is asked for. */
  mode?: TaMode;
  /** `anchored`: weight of each TA's teacher reconstruction. */
  anchor?: number;
  /** Optimiser settings of the TA generator (hypernet or static projections) and the gate. */
  generatorOptimiser?: Param['optimiser'];
}

type TaModule = { user: DistillationExperts; item: DistillationExperts } | PersonalisationNet;

/** Row blocks of one batch's entities: users, then positives, then negatives. */
type EntityRows = Pick<PerSet<Int32Array>, SetName>;

/**
 * HyperKDMA (METHOD.md §5.4): L = λ_T·L_KD(T→S) + λ_TA·Σ_i Σ_e g_i(e)·ℓ_i(e), with TA
 * representations generated per entity from the frozen teacher and mixed by a per-entity gate.
 * Nothing is detached: the hypernet learns through the TA targets, the TA modules' inputs and
 * the gate-weighted sum. The shared parts run once over all of a batch's entities.
 */
export class HyperKDMA implements Distiller {
  readonly hypernet?: Hypernet;
  readonly staticTas?: StaticProjections;
  readonly gatenet?: Gatenet;
  readonly taModules: TaModule[];
  /** `anchored`: one linear decoder d_i → d_T per TA. */
  readonly decoders: Linear[] = [];

  constructor(
    readonly teacherKD: GuideKD,
    readonly opts: HyperKDMAOptions,
    rng: Rng,
  ) {
    const { dT, dS, taDims, experts } = opts;
    if (opts.taSource.kind === 'hypernet')
      this.hypernet = new Hypernet('hypernet', dT, taDims, rng);
    if (opts.taSource.kind === 'shared')
      this.staticTas = new StaticProjections('static_theta', dT, taDims, rng);
    if (
      opts.taSource.kind === 'pretrained' &&
      opts.taSource.guides.map((g) => g.dim).join() !== taDims.join()
    ) {
      throw new Error('pretrained TA sizes do not match the TA dims');
    }
    // A softmax over one TA is identically 1: with m = 1 a gatenet could only decay, so none exists.
    if (opts.gate && taDims.length > 1)
      this.gatenet = new Gatenet('gatenet', dT, taDims.length, rng);
    this.taModules = taDims.map((di, i) =>
      opts.flavour === 'DE'
        ? {
            user: new DistillationExperts(`ta_de.${i}.user`, dS, di, di, experts, rng),
            item: new DistillationExperts(`ta_de.${i}.item`, dS, di, di, experts, rng),
          }
        : new PersonalisationNet(`ta_phr.${i}`, di, di, dS, rng),
    );
    // Made last, so every other part starts exactly as in the paper's mode.
    if (this.mode === 'anchored') {
      if (!(opts.anchor! > 0))
        throw new Error('the anchored TA mode needs a positive anchor weight');
      this.decoders = taDims.map((di, i) => new Linear(`ta_anchor.${i}`, di, dT, rng));
    }
    this.settleGenerator();
  }

  get mode(): TaMode {
    return this.opts.mode ?? 'paper';
  }

  /** The parts that make and mix the TAs: their optimiser group, or frozen by the mode. */
  private settleGenerator(): void {
    const generator = [...(this.hypernet?.params ?? []), ...(this.staticTas?.params ?? [])];
    const gate = this.gatenet?.params ?? [];
    for (const p of [...generator, ...gate]) p.optimiser = { ...this.opts.generatorOptimiser };
    const frozen =
      this.mode === 'code'
        ? [...generator, ...gate, ...this.taModuleParams]
        : this.mode === 'frozen'
          ? [...generator, ...gate]
          : [];
    for (const p of frozen) p.freeze();
  }

  private get taModuleParams(): Param[] {
    return this.taModules.flatMap((t) =>
      t instanceof PersonalisationNet ? t.params : [...t.user.params, ...t.item.params],
    );
  }

  get m(): number {
    return this.opts.taDims.length;
  }

  get params(): Param[] {
    return [
      ...this.teacherKD.params,
      ...(this.hypernet?.params ?? []),
      ...(this.staticTas?.params ?? []),
      ...(this.gatenet?.params ?? []),
      ...this.taModuleParams,
      ...this.decoders.flatMap((d) => d.params),
    ];
  }

  /** TA representations of the given entities (rows of hT), one (n, d_i) block per TA. */
  taRepresentations(scope: GradScope, rows: Partial<EntityRows>, hT: tf.Tensor2D): tf.Tensor2D[] {
    const src = this.opts.taSource;
    if (src.kind === 'pretrained') {
      const names = SET_NAMES.filter((n) => rows[n]);
      return src.guides.map((g) =>
        tf.concat(
          names.map((n) => guideRows(scope, g, n, rows[n]!)),
          0,
        ),
      );
    }
    const all = this.hypernet ? this.hypernet.all(scope, hT) : this.staticTas!.all(scope, hT);
    return splitTas(all, this.opts.taDims);
  }

  /** Gate weights (n, m): the gatenet's softmax, or 1/m everywhere without it. */
  gates(scope: GradScope, hT: tf.Tensor2D): tf.Tensor2D {
    if (this.gatenet) return this.gatenet.apply(scope, hT);
    return tf.fill([hT.shape[0], this.m], 1 / this.m) as tf.Tensor2D;
  }

  /**
   * ℓ_i for all entities of the batch, in users, positives, negatives order. The module reads
   * h_TA (DE: its selection net; PHR: its personalisation net) and regresses onto `target`.
   */
  private taLoss(
    input: KDStepInput,
    i: number,
    hS: tf.Tensor2D,
    hTA: tf.Tensor2D,
    target: tf.Tensor2D,
  ): tf.Tensor1D {
    const mod = this.taModules[i];
    if (mod instanceof PersonalisationNet) return mod.loss(input.scope, hTA, hS, target);
    const nUsers = input.sets.users.length;
    const part = (
      experts: DistillationExperts,
      names: readonly SetName[],
      from: number,
      n: number,
    ) => {
      const rows = (x: tf.Tensor2D) => tf.slice(x, [from, 0], [n, -1]);
      const noise = gumbelRows(input, `ta_de.${i}`, names, experts.experts);
      return experts.loss(input.scope, rows(hS), rows(hTA), rows(target), noise, input.tau).loss;
    };
    return tf.concat([
      part(mod.user, ['users'], 0, nUsers),
      part(mod.item, ['pos', 'neg'], nUsers, hS.shape[0] - nUsers),
    ]);
  }

  loss(input: KDStepInput): ReturnType<Distiller['loss']> {
    const { scope, sets } = input;
    const teacherRows = this.teacherKD.rows(input);
    const kd = compose(this.teacherKD.perEntity(input, teacherRows), this.opts.itemWeight);
    const kdTerm = tf.mul(this.opts.lambdaT, kd) as tf.Scalar;
    // The released code never adds the TA term: its generator, gate and modules stay as made.
    if (this.mode === 'code') return { terms: { kd: kdTerm }, stats: { 'kd.raw': kd } };
    const hT = concatSets(teacherRows);
    const tas = this.taRepresentations(scope, sets, hT);
    const g = this.gates(scope, hT);
    const hS = concatSets(input.hS);
    // `normalised`: what the modules read is scale-free in the generator, so shrinking it cannot
    // lower the term; `detached`: the target carries no gradient back into the generator.
    const hTNorms = this.mode === 'normalised' ? rowNorms(hT) : undefined;
    const read = hTNorms ? tas.map((t) => toNormsOf(t, hTNorms)) : tas;
    const losses = read.map((hTA, i) =>
      this.taLoss(input, i, hS, hTA, this.mode === 'detached' ? detach(hTA) : hTA),
    );
    const counts = mapSets(sets, (ids) => ids.length);
    // Per entity, then the §5.1 composition (users + itemWeight · items).
    const composed = (perEntity: tf.Tensor1D) =>
      compose(splitSets(perEntity, counts) as PerSet<tf.Tensor1D>, this.opts.itemWeight);
    // Σ_i g_i(e)·ℓ_i(e).
    const ta = composed(tf.sum(tf.mul(g, tf.stack(losses, 1)), 1) as tf.Tensor1D);
    const terms: Record<string, tf.Scalar> = {
      kd: kdTerm,
      ta: tf.mul(this.opts.lambdaTA, ta) as tf.Scalar,
    };
    const stats: Record<string, tf.Scalar> = { 'kd.raw': kd, 'ta.raw': ta };
    if (this.decoders.length > 0) {
      // Σ_i ‖h_T(e) − D_i(h_TA_i(e))‖²: shrinking h_TA now costs reconstruction.
      const anchor = composed(
        tf.addN(
          tas.map((hTA, i) => squaredError(hT, this.decoders[i].apply(scope, hTA))),
        ) as tf.Tensor1D,
      );
      terms.anchor = tf.mul(this.opts.anchor!, anchor) as tf.Scalar;
      stats['anchor.raw'] = anchor;
    }
    return {
      terms,
      stats: { ...stats, ...this.diagnostics(hT, tas, g, losses) },
    };
  }

  /** METHOD.md §5.5: TA norms against the teacher's, gate entropy and mean weights, mean ℓ_i. */
  private diagnostics(hT: tf.Tensor2D, tas: tf.Tensor2D[], g: tf.Tensor2D, losses: tf.Tensor1D[]) {
    const meanNorm = (x: tf.Tensor2D) => tf.mean(rowNorms(x)) as tf.Scalar;
    const stats: Record<string, tf.Scalar> = {
      'teacher.norm': meanNorm(hT),
      'gate.entropy': tf.mean(tf.neg(tf.sum(tf.mul(g, tf.log(tf.add(g, 1e-12))), 1))) as tf.Scalar,
    };
    const meanGate = tf.unstack(tf.mean(g, 0));
    for (let i = 0; i < this.m; i++) {
      stats[`ta${i}.norm`] = meanNorm(tas[i]);
      stats[`ta${i}.gate`] = meanGate[i] as tf.Scalar;
      stats[`ta${i}.loss`] = tf.mean(losses[i]) as tf.Scalar;
    }
    return stats;
  }
}
