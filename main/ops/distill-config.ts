import { DistillConfigSchema, type DistillConfig, type DistillMethod } from '../contract';
import type { KDFlavour } from '../engine/kd/guide';
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

/** How a method distils: directly (DE, PHR), through generated TAs, or through a TA chain. */
export type Family = 'plain' | 'HyperKDMA' | 'TAKD' | 'DGKD';

export function family(m: DistillMethod): Family {
  if (m === 'DE' || m === 'PHR') return 'plain';
  return m.split('-')[0] as Family;
}

/** Whether a method's KD modules are DE experts or PHR nets. */
export const flavourOf = (m: DistillMethod): KDFlavour => (m.endsWith('PHR') ? 'PHR' : 'DE');

export function parseDistillConfig(input: unknown): DistillConfig {
  const cfg = parseConfig(DistillConfigSchema, input, 'distillation');
  try {
    parseDropRule(cfg.dgkdDrop);
  } catch (e) {
    throw new InputError(`invalid distillation config: dgkdDrop: ${(e as Error).message}`);
  }
  return cfg;
}
