import { z } from 'zod';
import { DISTILL_METHODS } from './kd-methods';
import {
  BACKENDS,
  EARLY_STOP_RULES,
  MODEL_NAMES,
  PHR_ENRICHMENTS,
  TA_MODES,
  TA_SOURCES,
} from './vocabulary';
import type { ModelName } from './vocabulary';

// What defines a run: training settings, model options and their defaults, the training and
// distillation configurations (METHOD.md §2–6).

export const int = (min: number, max: number) => z.number().int().min(min).max(max);
export const SEED_MAX = 2 ** 31 - 1;

/** When training stops: the only settings a finished run can be extended in. */
export const stoppingLimits = { maxEpochs: int(1, 100_000), patience: int(1, 100_000) };

/** Optimisation and protocol settings shared by training and distillation runs. */
export const settingsShape = {
  lr: z.number().positive().max(10).default(1e-3),
  reg: z.number().min(0).max(10).default(1e-3),
  batch: int(1, 1_000_000).default(1024),
  neg: int(1, 100).default(1),
  maxEpochs: stoppingLimits.maxEpochs.default(1000),
  patience: stoppingLimits.patience.default(20),
  candidates: int(1, 100_000).default(499),
  ties: z.enum(['against', 'list-order']).default('against'),
  /** `h5` (the paper) or `any` (the authors' code: H@5/10/20, per-K results; METHOD.md §2.3). */
  earlyStop: z.enum(EARLY_STOP_RULES).default('h5'),
  label: z.string().max(200).optional(),
  backend: z.enum(BACKENDS).default('auto'),
};

/**
 * Each base model's own hyperparameters (METHOD.md §4.2–4.5); a run leaves out those it keeps at
 * their default. The distilled students and TAs of a teacher inherit the teacher's.
 */
export const modelOptionsShape = {
  /** NeuMF: MLP layers, each halving the width (the authors' code: 1). */
  mlpLayers: int(1, 6).optional(),
  /** NeuMF, NGCF: what KD distils (KD_REPRESENTATIONS says which model takes which). */
  kdRep: z.enum(['gmf', 'gmf+mlp', 'ego', 'concat']).optional(),
  /** Graph models: propagation layers. */
  layers: int(1, 8).optional(),
  /** LightGCN: reg·Σ‖E⁰‖² (code-compat 2e-4); SGL: reg·½Σ‖E⁰‖²; over the batch's rows. */
  embReg: z.number().min(0).max(10).optional(),
  /** NGCF: share of propagation-matrix entries dropped per batch. */
  nodeDropout: z.number().min(0).max(0.9).optional(),
  /** NGCF: dropout on each layer's output. */
  messageDropout: z.number().min(0).max(0.9).optional(),
  /** NGCF: the reference code's D̃⁻¹(A + I), or the paper's D^{-1/2}(A + I)D^{-1/2}. */
  adjacency: z.enum(['row', 'symmetric']).optional(),
  /** SGL: share of edges each augmented view drops (ρ). */
  edgeDropout: z.number().min(0).max(0.9).optional(),
  /** SGL: InfoNCE temperature τ. */
  temperature: z.number().min(1e-3).max(100).optional(),
  /** SGL: weight of the contrastive term λ_ssl. */
  ssl: z.number().min(0).max(1e3).optional(),
};
export type ModelOptions = {
  [K in keyof typeof modelOptionsShape]?: z.infer<(typeof modelOptionsShape)[K]>;
};
export type ModelOption = keyof ModelOptions;

/** The options each model takes, with their defaults (METHOD.md §4). */
export const MODEL_DEFAULTS = {
  BPR: {},
  NeuMF: { mlpLayers: 1, kdRep: 'gmf' },
  LightGCN: { layers: 1, embReg: 1e-4 },
  NGCF: { layers: 3, nodeDropout: 0.1, messageDropout: 0.1, adjacency: 'row', kdRep: 'ego' },
  SGL: { layers: 3, edgeDropout: 0.1, temperature: 0.2, ssl: 0.1, embReg: 1e-4 },
} as const satisfies Record<ModelName, ModelOptions>;

/**
 * What KD can distil for the models that offer a choice (METHOD.md §4's table).
 * NeuMF: the GMF rows, or [GMF; MLP] rows of twice the width. NGCF: the layer-0 rows, or the
 * scoring output [E⁰, norm(E¹), …, norm(E^L)] of (L + 1)·d.
 */
export const KD_REPRESENTATIONS = {
  NeuMF: ['gmf', 'gmf+mlp'],
  NGCF: ['ego', 'concat'],
} as const;

/** The options model M takes, all set. */
export type OptionsOf<M extends ModelName> = Required<
  Pick<ModelOptions, keyof (typeof MODEL_DEFAULTS)[M] & ModelOption>
>;

/** A model's options with every default filled in. */
export function modelOptions<M extends ModelName>(
  model: M,
  given: ModelOptions = {},
): OptionsOf<M> {
  const defaults: ModelOptions = MODEL_DEFAULTS[model];
  const out: Record<string, unknown> = { ...defaults };
  for (const k of Object.keys(defaults) as ModelOption[])
    if (given[k] !== undefined) out[k] = given[k];
  return out as never;
}

/** Width of the representation KD works on for a model of size `dim` (METHOD.md §4's table). */
export function representationWidth(model: ModelName, options: ModelOptions, dim: number): number {
  if (model === 'NeuMF' && options.kdRep === 'gmf+mlp') return 2 * dim;
  if (model === 'NGCF' && options.kdRep === 'concat')
    return (modelOptions('NGCF', options).layers + 1) * dim;
  return dim;
}

/** The model options a stored configuration sets. */
export function pickModelOptions(config: Record<string, unknown>): ModelOptions {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(modelOptionsShape)) if (config[k] !== undefined) out[k] = config[k];
  return out as ModelOptions;
}

/** Everything that defines a training run. */
export const TrainConfigSchema = z
  .object({
    dataset: z.string().min(1).max(64),
    model: z.enum(MODEL_NAMES),
    dim: int(1, 4096),
    seed: int(0, SEED_MAX).default(0),
    ...modelOptionsShape,
    ...settingsShape,
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const allowed: ModelOptions = MODEL_DEFAULTS[cfg.model];
    for (const k of Object.keys(modelOptionsShape) as ModelOption[])
      if (cfg[k] !== undefined && !(k in allowed))
        ctx.addIssue({
          code: 'custom',
          path: [k],
          message: `${cfg.model} has no option ${k}${Object.keys(allowed).length ? ` (it takes ${Object.keys(allowed).join(', ')})` : ''}`,
        });
    const reps: readonly string[] | undefined =
      KD_REPRESENTATIONS[cfg.model as keyof typeof KD_REPRESENTATIONS];
    if (cfg.kdRep !== undefined && reps && !reps.includes(cfg.kdRep))
      ctx.addIssue({
        code: 'custom',
        path: ['kdRep'],
        message: `${cfg.model} distils ${reps.join(' or ')} rows, not ${cfg.kdRep}`,
      });
  });
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

export const DGKD_DROP = /^(fixed:\d{1,3}|bernoulli:(0(\.\d+)?|\.\d+))$/;
export const DGKD_DROP_RULE = 'fixed:<count> or bernoulli:<p in [0,1)>';

/** Everything that defines a distillation run. */
export const DistillConfigSchema = z
  .object({
    dataset: z.string().min(1).max(64),
    /** Teacher run id, or the label of its latest completed run. */
    teacher: z.union([int(1, SEED_MAX), z.string().min(1).max(200)]),
    method: z.enum(DISTILL_METHODS),
    studentDim: int(1, 4096),
    numTas: int(1, 64).default(8),
    /** Explicit TA sizes; default Eq. 20 with numTas. */
    taDims: z.array(int(1, 4096)).max(64).optional(),
    lambdaT: z.number().min(0).max(1e6).default(1e-2),
    lambdaTa: z.number().min(0).max(1e6).default(1e-3),
    experts: int(1, 256).default(30),
    itemWeight: z.number().min(0).max(10).default(0.5),
    /** false: uniform TA weights (ablation "w/o GNet"). */
    gate: z.boolean().default(true),
    taSource: z.enum(TA_SOURCES).default('hypernet'),
    phrEnrich: z.enum(PHR_ENRICHMENTS).default('full'),
    /** HyperKDMA: how the TA term trains (TA_MODE_HELP); variants besides `paper`. */
    taMode: z.enum(TA_MODES).default('paper'),
    /** HyperKDMA `anchored`: weight of each TA's teacher reconstruction. */
    taAnchor: z.number().positive().max(1e6).optional(),
    /** HyperKDMA: learning rate of the hypernet (or static projections) and gate; default lr. */
    hyperLr: z.number().positive().max(10).optional(),
    /** HyperKDMA: coupled weight decay of the hypernet (or static projections) and gate; default reg. */
    hyperDecay: z.number().min(0).max(10).optional(),
    /**
     * DE modules: epochs over which the Gumbel temperature anneals from 1 to 1e-10 (DE-RRD's 1000;
     * the authors' code uses its epoch limit). Explicit, so extending a run keeps its schedule.
     */
    annealEpochs: int(1, 1_000_000).default(1000),
    dgkdDrop: z.string().regex(DGKD_DROP, `expected ${DGKD_DROP_RULE}`).default('fixed:1'),
    ...settingsShape,
  })
  .strict();
export type DistillConfig = z.infer<typeof DistillConfigSchema>;

const runIds = z.array(int(1, SEED_MAX)).max(64);

/**
 * A training run's configuration as stored: its validated request. Lenient (unknown keys kept,
 * absent settings filled) so a store written by an older version still reads.
 */
export const StoredTrainConfigSchema = z
  .object({
    dataset: z.string(),
    model: z.enum(MODEL_NAMES),
    dim: int(1, 4096),
    seed: int(0, SEED_MAX).default(0),
    ...modelOptionsShape,
    ...settingsShape,
  })
  .passthrough();
export type StoredTrainConfig = z.infer<typeof StoredTrainConfigSchema>;

/**
 * A distillation run's configuration as stored: the request with its teacher resolved to a run,
 * the teacher's seed and model options, only its method's own settings (so they have no default
 * here: an absent one is not part of what defines the run), and the runs it was built from.
 */
export const StoredDistillConfigSchema = DistillConfigSchema.extend({
  teacher: int(1, SEED_MAX),
  seed: int(0, SEED_MAX).default(0),
  numTas: DistillConfigSchema.shape.numTas.removeDefault().optional(),
  lambdaTa: DistillConfigSchema.shape.lambdaTa.removeDefault().optional(),
  experts: DistillConfigSchema.shape.experts.removeDefault().optional(),
  gate: DistillConfigSchema.shape.gate.removeDefault().optional(),
  taSource: DistillConfigSchema.shape.taSource.removeDefault().optional(),
  phrEnrich: DistillConfigSchema.shape.phrEnrich.removeDefault().optional(),
  taMode: DistillConfigSchema.shape.taMode.removeDefault().optional(),
  annealEpochs: DistillConfigSchema.shape.annealEpochs.removeDefault().optional(),
  dgkdDrop: DistillConfigSchema.shape.dgkdDrop.removeDefault().optional(),
  modelOptions: z.object(modelOptionsShape).optional(),
  /** The runs whose scores it distils (the teacher, TAKD's last link, DGKD's TAs). */
  guideRuns: runIds.optional(),
  /** HyperKDMA with pretrained TAs: the DE runs that are its TAs. */
  pretrainedTaRuns: runIds.optional(),
}).passthrough();
export type StoredDistillConfig = z.infer<typeof StoredDistillConfigSchema>;

/** A stored run's configuration, discriminated by its kind. */
export type StoredRunConfig =
  { kind: 'train'; config: StoredTrainConfig } | { kind: 'distill'; config: StoredDistillConfig };

/** Reads a stored configuration once, typed by its run's kind. */
export function parseStoredConfig(kind: 'train' | 'distill', json: string): StoredRunConfig {
  const raw: unknown = JSON.parse(json);
  return kind === 'train'
    ? { kind, config: StoredTrainConfigSchema.parse(raw) }
    : { kind, config: StoredDistillConfigSchema.parse(raw) };
}
