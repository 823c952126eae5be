import type * as tf from '@tensorflow/tfjs-core';
import type { Param } from '../params';
import type { KDStepInput } from './guide';

/** A distillation objective added to the student's base loss. */
export interface Distiller {
  readonly params: Param[];
  /** Weighted loss terms (their sum is added to the base loss) and diagnostics. */
  loss(input: KDStepInput): { terms: Record<string, tf.Scalar>; stats: Record<string, tf.Scalar> };
}
