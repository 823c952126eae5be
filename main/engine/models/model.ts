import type { Tensor2D } from '@tensorflow/tfjs-core';
import type { Batch } from '../../data/sampler';
import type { GradScope, LossResult } from '../grad-scope';
import type { CandidateScorer } from '../kernels/candidate-scorer';
import type { Param } from '../params';

export type EntityKind = 'user' | 'item';

/**
 * What every base recommender offers the trainer and the distillation methods (METHOD.md §4):
 * a base loss over a batch, evaluation scores, and the representation KD operates on.
 */
export interface Recommender {
  readonly name: string;
  readonly dim: number;
  readonly nUsers: number;
  readonly nItems: number;
  readonly params: Param[];
  /** Base loss of one batch (sum over triples), built inside a gradient scope. */
  loss(scope: GradScope, batch: Batch): LossResult;
  /** Rows of `kind` representations as a differentiable tensor (what KD distils). */
  representation(scope: GradScope, kind: EntityKind, ids: Int32Array): Tensor2D;
  /**
   * Full representation tables at the current parameters (frozen teacher, artifacts); read
   * asynchronously where the backend must (WebGPU).
   */
  representationTables(): Promise<{ users: Float32Array; items: Float32Array }>;
  /** Called before each training epoch (annealed temperatures and the like). */
  startEpoch?(epoch: number): void;
  /** Scores of every user's [test, valid, candidates…], nUsers × slots. */
  scoreHeldOut(scorer: CandidateScorer): Promise<Float32Array>;
}
