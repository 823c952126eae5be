import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../../data/sampler';
import type { GradScope, LossResult } from '../grad-scope';
import type { CandidateScorer } from '../kernels/candidate-scorer';
import type { EntityKind, Recommender } from '../models/model';
import type { Param } from '../params';
import { deTemperature, type GumbelSource } from './de';
import type { Distiller } from './distiller';
import { entitySets, KIND_OF, mapSets } from './entity-sets';

/**
 * A student trained with a distillation objective. It is a Recommender like any other, so the
 * trainer, evaluation and artifacts need nothing special: its loss is the student's base loss
 * plus the distiller's terms, and it scores and represents entities exactly as the student.
 */
export class DistilledStudent implements Recommender {
  private tau = 1;

  constructor(
    readonly student: Recommender,
    readonly distiller: Distiller,
    private readonly gumbel: GumbelSource,
    private readonly temperature: (epoch: number) => number = deTemperature,
  ) {}

  get name(): string {
    return this.student.name;
  }
  get dim(): number {
    return this.student.dim;
  }
  get nUsers(): number {
    return this.student.nUsers;
  }
  get nItems(): number {
    return this.student.nItems;
  }
  get params(): Param[] {
    return [...this.student.params, ...this.distiller.params];
  }

  startEpoch(epoch: number): void {
    this.student.startEpoch?.(epoch);
    this.tau = this.temperature(epoch);
  }

  loss(scope: GradScope, batch: Batch): LossResult {
    const base = this.student.loss(scope, batch);
    const sets = entitySets(batch);
    const hS = mapSets(sets, (ids, set) => this.student.representation(scope, KIND_OF[set], ids));
    const kd = this.distiller.loss({ scope, sets, hS, gumbel: this.gumbel, tau: this.tau });
    const total = tf.addN([base.total, ...Object.values(kd.terms)]) as tf.Scalar;
    return { total, terms: { ...base.terms, ...kd.terms }, stats: kd.stats };
  }

  representation(scope: GradScope, kind: EntityKind, ids: Int32Array): tf.Tensor2D {
    return this.student.representation(scope, kind, ids);
  }

  representationTables() {
    return this.student.representationTables();
  }

  scoreHeldOut(scorer: CandidateScorer): Promise<Float32Array> {
    return this.student.scoreHeldOut(scorer);
  }
}
