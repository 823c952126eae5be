import * as tf from '@tensorflow/tfjs-core';
import { DGKD_DROP, DGKD_DROP_RULE } from '../../contract';
import type { Rng } from '../../data/rng';
import type { Param } from '../params';
import type { Distiller } from './distiller';
import { compose } from './entity-sets';
import type { GuideKD, KDStepInput } from './guide';

export type DropRule = { mode: 'fixed'; count: number } | { mode: 'bernoulli'; p: number };

/** A drop rule as the contract accepts it (DGKD_DROP): fixed:<count> or bernoulli:<p in [0,1)>. */
export function parseDropRule(s: string): DropRule {
  if (!DGKD_DROP.test(s)) throw new Error(`drop rule '${s}' is not ${DGKD_DROP_RULE}`);
  const [mode, value] = s.split(':');
  return mode === 'fixed'
    ? { mode, count: Number(value) }
    : { mode: 'bernoulli', p: Number(value) };
}

/**
 * λ · Σ over kept guides of the guide's DE/PHR loss (METHOD.md §5.2–5.3, §6.1–6.2). One guide is
 * plain DE/PHR or a TAKD link; several with a drop rule is DGKD (a single guide is never dropped).
 */
export class GuidedDistiller implements Distiller {
  constructor(
    readonly guides: GuideKD[],
    readonly lambda: number,
    readonly itemWeight: number,
    private readonly drop: DropRule | undefined,
    private readonly rng: Rng,
  ) {}

  get params(): Param[] {
    return this.guides.flatMap((g) => g.params);
  }

  /** Indices of the guides used in this batch. */
  kept(): number[] {
    const all = this.guides.map((_, i) => i);
    if (!this.drop || all.length === 1) return all;
    if (this.drop.mode === 'fixed') {
      const order = [...all];
      for (let i = order.length - 1; i > 0; i--) {
        const j = this.rng.int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      return order.slice(Math.min(this.drop.count, all.length - 1)).sort((a, b) => a - b);
    }
    const p = this.drop.p;
    const kept = all.filter(() => this.rng.float() >= p);
    return kept.length > 0 ? kept : [all[this.rng.int(all.length)]];
  }

  loss(input: KDStepInput): ReturnType<Distiller['loss']> {
    const stats: Record<string, tf.Scalar> = {};
    const losses = this.kept().map((i) => {
      const l = compose(this.guides[i].perEntity(input), this.itemWeight);
      stats[`${this.guides[i].name}.loss`] = l;
      return l;
    });
    const kd = tf.mul(this.lambda, tf.addN(losses)) as tf.Scalar;
    return { terms: { kd }, stats };
  }
}
