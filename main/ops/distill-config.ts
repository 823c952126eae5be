import { DistillConfigSchema, type DistillConfig } from '../contract';
import { parseConfig } from './train-config';

export const parseDistillConfig = (input: unknown): DistillConfig =>
  parseConfig(DistillConfigSchema, input, 'distillation');
