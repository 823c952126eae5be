import { z } from 'zod';
import { PHR_ENRICHMENTS } from '../engine/kd/enrichment';
import { parseDropRule } from '../engine/kd/guided';
import { parseConfig, settingsShape } from './train-config';

export const DISTILL_METHODS = [
  'DE',
  'PHR',
  'HyperKDMA-DE',
  'HyperKDMA-PHR',
  'TAKD-DE',
  'TAKD-PHR',
  'DGKD-DE',
  'DGKD-PHR',
] as const;
export type DistillMethod = (typeof DISTILL_METHODS)[number];

export const TA_SOURCES = ['hypernet', 'shared', 'pretrained'] as const;

export const DistillConfigSchema = z
  .object({
    dataset: z.string().min(1),
    /** Teacher run id, or the label of its latest completed run. */
    teacher: z.union([z.number().int().min(1), z.string().min(1)]),
    method: z.enum(DISTILL_METHODS),
    studentDim: z.number().int().min(1).max(4096),
    numTas: z.number().int().min(1).max(64).default(8),
    /** Explicit TA sizes; default Eq. 20 with numTas. */
    taDims: z.array(z.number().int().min(1).max(4096)).max(64).optional(),
    lambdaT: z.number().min(0).max(1e6).default(1e-2),
    lambdaTa: z.number().min(0).max(1e6).default(1e-3),
    experts: z.number().int().min(1).max(256).default(30),
    itemWeight: z.number().min(0).max(10).default(0.5),
    /** false: uniform TA weights (ablation "w/o GNet"). */
    gate: z.boolean().default(true),
    /** hypernet: the method; shared / pretrained: the two "w/o HNet" readings. */
    taSource: z.enum(TA_SOURCES).default('hypernet'),
    phrEnrich: z.enum(PHR_ENRICHMENTS).default('full'),
    dgkdDrop: z
      .string()
      .default('fixed:1')
      .refine((s) => {
        try {
          parseDropRule(s);
          return true;
        } catch {
          return false;
        }
      }, 'expected fixed:<count> or bernoulli:<p in [0,1)>'),
    ...settingsShape,
  })
  .strict();

export type DistillConfig = z.infer<typeof DistillConfigSchema>;

export const parseDistillConfig = (input: unknown): DistillConfig =>
  parseConfig(DistillConfigSchema, input, 'distillation');
