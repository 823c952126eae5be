import { DistillConfigSchema, type DistillConfig } from '../contract';
import { parseDropRule } from '../engine/kd/guided';
import { InputError } from '../errors';
import { parseConfig } from './train-config';

export {
  DISTILL_METHODS,
  DistillConfigSchema,
  TA_SOURCES,
  type DistillConfig,
  type DistillMethod,
} from '../contract';

export function parseDistillConfig(input: unknown): DistillConfig {
  const cfg = parseConfig(DistillConfigSchema, input, 'distillation');
  try {
    parseDropRule(cfg.dgkdDrop);
  } catch (e) {
    throw new InputError(`invalid distillation config: dgkdDrop: ${(e as Error).message}`);
  }
  return cfg;
}
