import type { z } from 'zod';
import {
  DistillConfigSchema,
  settingsShape,
  TrainConfigSchema,
  type DistillConfig,
  type TrainConfig,
} from './run-config';

// Every default a run has, read off the schemas that apply them: the CLI's flags, the new-run
// form and the presets start from these, so a default is written once (in run-config.ts).

/** The value each field of `shape` takes when it is left out, for the fields that have one. */
function defaultsOf(shape: Record<string, z.ZodType>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, field] of Object.entries(shape)) {
    const r = field.safeParse(undefined);
    if (r.success && r.data !== undefined) out[k] = r.data;
  }
  return out;
}

type Filled<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

/** A training run's defaults (METHOD.md §2.3, §3); model options: MODEL_DEFAULTS. */
export const TRAIN_DEFAULTS = defaultsOf(TrainConfigSchema.shape) as Filled<
  Omit<Pick<TrainConfig, 'seed' | keyof typeof settingsShape>, 'label'>
>;

/** A distillation run's defaults (METHOD.md §5–6). */
export const DISTILL_DEFAULTS = defaultsOf(DistillConfigSchema.shape) as Filled<
  Omit<DistillConfig, 'dataset' | 'teacher' | 'method' | 'studentDim' | 'taDims' | 'label'>
>;
