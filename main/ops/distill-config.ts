import { DistillConfigSchema, type DistillConfig } from '../contract';
import { parseConfig } from './train-config';

export {
  DISTILL_METHODS,
  DistillConfigSchema,
  TA_SOURCES,
  type DistillConfig,
  type DistillMethod,
} from '../contract';

export const parseDistillConfig = (input: unknown): DistillConfig =>
  parseConfig(DistillConfigSchema, input, 'distillation');
