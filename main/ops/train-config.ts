import { z } from 'zod';
import { BACKENDS } from '../engine/backend';
import { MODEL_NAMES, type ModelName } from '../engine/models/registry';
import { InputError } from '../errors';

/** Optimisation and protocol settings shared by training and distillation runs. */
export const settingsShape = {
  lr: z.number().positive().max(10).default(1e-3),
  reg: z.number().min(0).max(10).default(1e-3),
  batch: z.number().int().min(1).max(1_000_000).default(1024),
  neg: z.number().int().min(1).max(100).default(1),
  maxEpochs: z.number().int().min(1).max(100_000).default(1000),
  patience: z.number().int().min(1).max(100_000).default(20),
  candidates: z.number().int().min(1).max(100_000).default(499),
  ties: z.enum(['against', 'list-order']).default('against'),
  label: z.string().max(200).optional(),
  backend: z.enum(BACKENDS).default('auto'),
};

/** Everything that defines a training run; validated before anything runs. */
export const TrainConfigSchema = z
  .object({
    dataset: z.string().min(1),
    model: z.enum(MODEL_NAMES as [ModelName, ...ModelName[]]),
    dim: z.number().int().min(1).max(4096),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(0),
    ...settingsShape,
  })
  .strict();

export type TrainConfig = z.infer<typeof TrainConfigSchema>;

/** Parses a config from any face, turning schema failures into one readable InputError. */
export function parseConfig<T extends z.ZodType>(
  schema: T,
  input: unknown,
  what: string,
): z.infer<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
  throw new InputError(`invalid ${what} config: ${issues.join('; ')}`);
}

export const parseTrainConfig = (input: unknown): TrainConfig =>
  parseConfig(TrainConfigSchema, input, 'training');
