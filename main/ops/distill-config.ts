import { DistillConfigSchema, variantProblem, type DistillConfig } from '../contract';
import { InputError } from '../errors';
import { parseConfig } from './train-config';

export function parseDistillConfig(input: unknown): DistillConfig {
  const cfg = parseConfig(DistillConfigSchema, input, 'distillation');
  const problem = variantProblem(cfg);
  if (problem) throw new InputError(`invalid distillation config: ${problem.message}`);
  return cfg;
}
