import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../data/rng';
import type { TrainSet } from '../../data/split';
import type { GradScope } from '../grad-scope';
import { Param } from '../params';
import { DistillationExperts, type GumbelSource } from './de';
import { enrichBatch, enrichFull, itemUsers, type ItemUsers } from './enrichment';
import type { KDFlavour, PhrEnrichment } from '../../contract';
import { concatSets, KIND_OF, mapSets, splitSets, type PerSet, type SetName } from './entity-sets';
import { PersonalisationNet } from './phr';

/** A frozen representation to distil from: the teacher, or a trained teacher assistant. */
export interface Guide {
  name: string;
  dim: number;
  users: Param;
  items: Param;
}

export function frozenGuide(
  name: string,
  dim: number,
  tables: { users: Float32Array; items: Float32Array },
): Guide {
  return {
    name,
    dim,
    users: new Param(`${name}.users`, [tables.users.length / dim, dim], tables.users, false),
    items: new Param(`${name}.items`, [tables.items.length / dim, dim], tables.items, false),
  };
}

export function guideRows(scope: GradScope, g: Guide, set: SetName, ids: Int32Array): tf.Tensor2D {
  return scope.rows(KIND_OF[set] === 'user' ? g.users : g.items, ids);
}

/** What every distillation term sees in one step. */
export interface KDStepInput {
  scope: GradScope;
  sets: PerSet<Int32Array>;
  /** Student representations of the three sets. */
  hS: PerSet<tf.Tensor2D>;
  gumbel: GumbelSource;
  tau: number;
}

export interface GuideOptions {
  experts: number;
  enrichment: PhrEnrichment;
  train: TrainSet;
}

/**
 * DE or PHR from one frozen guide to the student (METHOD.md §5.2–5.3): per-entity losses for
 * U_B, P_B and N_B. DE keeps separate user and item experts; PHR shares one net.
 */
export class GuideKD {
  private readonly de?: { user: DistillationExperts; item: DistillationExperts };
  private readonly phr?: PersonalisationNet;
  private readonly enriched?: Guide;
  private readonly byItem?: ItemUsers;

  constructor(
    readonly name: string,
    readonly guide: Guide,
    readonly flavour: KDFlavour,
    studentDim: number,
    private readonly opts: GuideOptions,
    rng: Rng,
  ) {
    const d = guide.dim;
    if (flavour === 'DE') {
      this.de = {
        user: new DistillationExperts(`${name}.user`, studentDim, d, d, opts.experts, rng),
        item: new DistillationExperts(`${name}.item`, studentDim, d, d, opts.experts, rng),
      };
    } else {
      this.phr = new PersonalisationNet(name, d, d, studentDim, rng);
      if (opts.enrichment !== 'none') this.byItem = itemUsers(opts.train);
      if (opts.enrichment === 'full') {
        this.enriched = frozenGuide(
          `${guide.name}.enriched`,
          d,
          enrichFull(guide.users.data, guide.items.data, d, opts.train, this.byItem),
        );
      }
    }
  }

  get params(): Param[] {
    if (this.de) return [...this.de.user.params, ...this.de.item.params];
    return this.phr!.params;
  }

  /** `hT`: the guide's rows of the three sets, when the caller has gathered them already. */
  perEntity(input: KDStepInput, hT = this.rows(input)): PerSet<tf.Tensor1D> {
    const { scope, sets, hS } = input;
    const sizes = mapSets(sets, (ids) => ids.length);
    if (this.de) {
      // Users use the user experts; both item sets share the item experts in one pass.
      const groups: [DistillationExperts, readonly SetName[]][] = [
        [this.de.user, ['users']],
        [this.de.item, ['pos', 'neg']],
      ];
      const out: Partial<PerSet<tf.Tensor1D>> = {};
      for (const [experts, names] of groups) {
        const noise = gumbelRows(input, this.name, names, experts.experts);
        const target = concatSets(hT, names);
        const loss = experts.loss(
          scope,
          concatSets(hS, names),
          target,
          target,
          noise,
          input.tau,
        ).loss;
        Object.assign(out, splitSets(loss, sizes, names));
      }
      return out as PerSet<tf.Tensor1D>;
    }
    const x = this.phrInputs(scope, sets, hT);
    const loss = this.phr!.loss(scope, concatSets(x), concatSets(hS), concatSets(hT));
    return splitSets(loss, sizes) as PerSet<tf.Tensor1D>;
  }

  /** The guide's representation of the batch's three entity sets. */
  rows(input: KDStepInput): PerSet<tf.Tensor2D> {
    return mapSets(input.sets, (ids, set) => guideRows(input.scope, this.guide, set, ids));
  }

  private phrInputs(
    scope: GradScope,
    sets: PerSet<Int32Array>,
    hT: PerSet<tf.Tensor2D>,
  ): PerSet<tf.Tensor2D> {
    switch (this.opts.enrichment) {
      case 'none':
        return hT;
      case 'full':
        return mapSets(sets, (ids, set) => guideRows(scope, this.enriched!, set, ids));
      case 'batch': {
        const d = this.guide.dim;
        const tables = { users: this.guide.users.data, items: this.guide.items.data };
        const batch = { users: sets.users, items: [sets.pos, sets.neg] };
        const forSet = (ids: Int32Array, set: SetName) =>
          tf.tensor2d(
            enrichBatch(tables, d, this.opts.train, this.byItem!, KIND_OF[set], ids, batch),
            [ids.length, d],
          );
        return mapSets(sets, forSet);
      }
    }
  }
}

/** Gumbel noise for several sets of one module, drawn per (module, set) and stacked. */
export function gumbelRows(
  input: KDStepInput,
  module: string,
  names: readonly SetName[],
  experts: number,
): tf.Tensor2D {
  return tf.concat(
    names.map((set) => input.gumbel(module, set, input.sets[set].length, experts)),
    0,
  );
}
