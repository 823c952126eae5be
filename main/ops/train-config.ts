import type { z } from 'zod';
import { TrainConfigSchema, type TrainConfig } from '../contract';
import { InputError } from '../errors';

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
