import { z } from 'zod';

// The one API contract every face shares: the desktop window (through the preload), browser mode
// (over a WebSocket) and the tests. Requests are validated against these schemas in the process
// that owns the store before anything runs. This module imports nothing but zod, so the renderer
// can import it too.

// ---------------------------------------------------------------- vocabulary

export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
export const MODEL_NAMES = ['BPR', 'NeuMF', 'LightGCN', 'NGCF', 'SGL'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
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
/** hypernet: the method; shared / pretrained: the two readings of "w/o HNet". */
export const TA_SOURCES = ['hypernet', 'shared', 'pretrained'] as const;
export const PHR_ENRICHMENTS = ['none', 'full', 'batch'] as const;
export type PhrEnrichment = (typeof PHR_ENRICHMENTS)[number];
export const FORMATS = ['auto', 'usersdat', 'csv', 'movielens'] as const;
export type Format = (typeof FORMATS)[number];
export const RUN_STATUSES = [
  'queued',
  'running',
  'completed',
  'cancelled',
  'failed',
  'interrupted',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * A completed or cancelled run has its result (summary, kept state). Any other (training, waiting
 * to resume, failed, or trained further after it finished) has only its epochs so far; a summary
 * from before then is stale.
 */
export const isUnfinished = (status: RunStatus): boolean =>
  status !== 'completed' && status !== 'cancelled';

// ---------------------------------------------------------------- run configurations

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const SEED_MAX = 2 ** 31 - 1;

/** When training stops: the only settings a finished run can be extended in. */
const stoppingLimits = { maxEpochs: int(1, 100_000), patience: int(1, 100_000) };

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
    dgkdDrop: z
      .string()
      .regex(DGKD_DROP, 'expected fixed:<count> or bernoulli:<p in [0,1)>')
      .default('fixed:1'),
    ...settingsShape,
  })
  .strict();
export type DistillConfig = z.infer<typeof DistillConfigSchema>;

// ---------------------------------------------------------------- wire types

export interface Metrics {
  H5: number;
  N5: number;
  H10: number;
  N10: number;
  H20: number;
  N20: number;
}

export interface DegreeSummary {
  min: number;
  max: number;
  mean: number;
  median: number;
  /** Log2-binned histogram: histogram[k] counts degrees in [2^k, 2^(k+1)). */
  histogram: number[];
}

export interface DatasetStats {
  users: number;
  items: number;
  interactions: number;
  trainInteractions: number;
  density: number;
  userDegree: DegreeSummary;
  itemDegree: DegreeSummary;
  /** What the file got wrong that did not stop the import (e.g. users.dat counts), with where. */
  warnings?: string[];
}

export interface DatasetInfo {
  id: number;
  name: string;
  source: string;
  format: string;
  minUser: number;
  minItem: number;
  stats: DatasetStats;
  createdAt: string;
}

export interface RunSummary {
  bestEpoch: number;
  valid: Metrics;
  test: Metrics;
}

export interface RunInfo {
  id: number;
  label: string | null;
  kind: 'train' | 'distill';
  model: string;
  method: string | null;
  datasetId: number;
  splitId: number | null;
  seed: number;
  teacherRunId: number | null;
  config: Record<string, unknown>;
  status: RunStatus;
  backend: string | null;
  device: string | null;
  appVersion: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  epochsRun: number;
  bestEpoch: number | null;
  summary: RunSummary | null;
  trainSecondsPerEpoch: number | null;
  evalSecondsPerEpoch: number | null;
  error: string | null;
}

export interface EpochInfo {
  epoch: number;
  losses: Record<string, number>;
  valid: Metrics;
  test: Metrics;
  trainSeconds: number;
  evalSeconds: number;
  diagnostics?: Record<string, unknown>;
}

export interface Progress {
  epoch: number;
  batch: number;
  batches: number;
}

export interface ArtifactInfo {
  kind: string;
  path: string;
  bytes: number;
}

export interface RunDetail {
  run: RunInfo;
  epochs: EpochInfo[];
  artifacts: ArtifactInfo[];
  dependsOn: { id: number; status: RunStatus }[];
  lastOutput: string | null;
  progress: Progress | null;
}

export interface JobInfo {
  id: string;
  kind: 'import' | 'preview' | 'synth';
  /** The file read (absent for a synthetic dataset). */
  file?: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  fraction: number;
  error?: string;
  preview?: { name: string; format: string; stats: DatasetStats };
  dataset?: DatasetInfo;
}

export interface SystemInfo {
  version: string;
  home: string;
  concurrency: number;
  models: readonly string[];
  methods: readonly string[];
  /** Why the store cannot be written right now (disk full, read-only), if it cannot. */
  storageProblem: string | null;
}

export const GATE_ORDERS = ['id', 'dominant', 'entropy', 'activity'] as const;

export interface GateSummary {
  kind: 'user' | 'item';
  n: number;
  taDims: number[];
  meanWeights: number[];
  entropyHistogram: { max: number; counts: number[] };
  dominantByActivity: { from: number; to: number; counts: number[] }[];
  collapse: {
    dominantShare: number;
    dominantTa: number;
    gateCollapsed: boolean;
    normRatios: number[];
    tasShrunk: boolean;
  };
}

export interface GateRow {
  id: number;
  weights: number[];
  entropy: number;
  activity: number;
  dominant: number;
}

export interface EntityDetail {
  kind: 'user' | 'item';
  id: number;
  rawId: string;
  weights: number[];
  taNorms: number[];
  taDims: number[];
  interactions: number[];
  interactionCount: number;
  testRanks: { user: number; item: number; student: number; teacher: number | null }[];
}

export interface Lineage {
  dataset: { id: number; name: string } | null;
  seed: number;
  sources: {
    role: string;
    id: number;
    exists: boolean;
    status: RunStatus | null;
    label: string | null;
    changedSince: boolean;
  }[];
}

export interface PairedComparison {
  users: number;
  k: number;
  hitA: number;
  hitB: number;
  onlyA: number;
  onlyB: number;
  mcnemarP: number;
  ndcgA: number;
  ndcgB: number;
  ndcgZ: number;
  ndcgP: number;
}

// ---------------------------------------------------------------- operations

const runId = int(1, SEED_MAX);

/** One experiment repeated with more seeds than this is a typo, not a protocol. */
const MAX_SEEDS = 32;

export interface Repetition {
  /** One run per seed, in the order asked: the student (or base model) of that seed. */
  runs: { seed: number; id: number; queued: boolean }[];
  /** Everything queued, prerequisites (teachers, TA runs) first. */
  queued: number[];
}

/** "0-4", "1,3,5" or "0-2,7" as a list of seeds, or a reason it is not one. */
export function parseSeeds(text: string): number[] | string {
  const seeds: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const m = /^(\d{1,10})(?:\s*-\s*(\d{1,10}))?$/.exec(part);
    if (!m) return `"${part}" is not a seed or a range a-b`;
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (b < a) return `the range ${part} runs backwards`;
    if (b > SEED_MAX) return `seeds go up to ${SEED_MAX}`;
    if (b - a + 1 + seeds.length > MAX_SEEDS) return `at most ${MAX_SEEDS} seeds at once`;
    for (let x = a; x <= b; x++) if (!seeds.includes(x)) seeds.push(x);
  }
  return seeds;
}
/** Users × items a synthetic dataset may have: the generator takes ~1 min at the limit here. */
export const SYNTH_MAX_WORK = 150_000_000;
const datasetName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "letters, digits, '.', '_' or '-' (max 64)");
/** A file the user picked in a dialog, dropped, or uploaded: never a path typed by the page. */
const fileGrant = z.string().uuid();
const none = z.object({}).strict();

export const REQUESTS = {
  'system.info': none,
  'datasets.list': none,
  'datasets.get': z.object({ name: z.string().min(1).max(64) }).strict(),
  'datasets.peek': z.object({ file: fileGrant, lines: int(1, 100).default(10) }).strict(),
  'datasets.import': z
    .object({
      file: fileGrant,
      name: datasetName,
      format: z.enum(FORMATS).default('auto'),
      minUser: int(0, 1_000_000).default(5),
      minItem: int(0, 1_000_000).default(0),
      /** CSV/TSV: the user and item columns, by header name or 1-based position. */
      userCol: z.string().min(1).max(256).optional(),
      itemCol: z.string().min(1).max(256).optional(),
      /** Parse and filter only, to show the resulting statistics before committing. */
      preview: z.boolean().default(false),
    })
    .strict(),
  'datasets.synth': z
    .object({
      name: datasetName,
      users: int(10, 200_000).default(1000),
      items: int(600, 1_000_000).default(1500),
      seed: int(0, SEED_MAX).default(0),
    })
    .strict()
    .refine((r) => r.users * r.items <= SYNTH_MAX_WORK, {
      message: `users × items must be at most ${SYNTH_MAX_WORK.toExponential()}`,
      path: ['users'],
    }),
  'jobs.get': z.object({ id: z.string().uuid() }).strict(),
  'jobs.cancel': z.object({ id: z.string().uuid() }).strict(),
  'runs.list': none,
  'runs.get': z.object({ id: runId }).strict(),
  'runs.epochs': z.object({ id: runId, from: int(0, 100_000).default(0) }).strict(),
  'runs.train': TrainConfigSchema,
  'runs.distill': DistillConfigSchema,
  'runs.cancel': z.object({ id: runId }).strict(),
  'runs.resume': z.object({ id: runId }).strict(),
  'runs.extend': z
    .object({
      id: runId,
      patience: stoppingLimits.patience.optional(),
      maxEpochs: stoppingLimits.maxEpochs.optional(),
    })
    .strict(),
  'runs.discardState': z.object({ id: runId }).strict(),
  'runs.rerun': z.object({ id: runId }).strict(),
  'runs.repeat': z
    .object({ id: runId, seeds: z.array(int(0, SEED_MAX)).min(1).max(MAX_SEEDS) })
    .strict(),
  'runs.delete': z.object({ id: runId }).strict(),
  'queue.configure': z.object({ concurrency: int(1, 16) }).strict(),
  'ta.sizes': z
    .object({ teacherDim: int(2, 4096), studentDim: int(1, 4095), numTas: int(1, 64) })
    .strict(),
  'gates.entity': z
    .object({ run: runId, kind: z.enum(['user', 'item']), id: int(0, SEED_MAX) })
    .strict(),
  'gates.summary': z.object({ run: runId, kind: z.enum(['user', 'item']) }).strict(),
  'gates.rows': z
    .object({
      run: runId,
      kind: z.enum(['user', 'item']),
      order: z.enum(GATE_ORDERS).default('dominant'),
      offset: int(0, SEED_MAX).default(0),
      limit: int(1, 5000).default(500),
    })
    .strict(),
  'gates.detail': z
    .object({ run: runId, kind: z.enum(['user', 'item']), id: int(0, SEED_MAX) })
    .strict(),
  'runs.lineage': z.object({ id: runId }).strict(),
  'compare.paired': z
    .object({ a: runId, b: runId, k: z.union([z.literal(5), z.literal(10), z.literal(20)]) })
    .strict(),
} as const;

export type Op = keyof typeof REQUESTS;
/** What a caller sends (defaults may be left out). */
export type Request<K extends Op> = z.input<(typeof REQUESTS)[K]>;
/** What a handler receives (validated, defaults filled). */
export type ValidRequest<K extends Op> = z.output<(typeof REQUESTS)[K]>;

export interface Responses {
  'system.info': SystemInfo;
  'datasets.list': DatasetInfo[];
  'datasets.get': DatasetInfo;
  'datasets.peek': { format: string; lines: string[] };
  'datasets.import': JobInfo;
  'datasets.synth': JobInfo;
  'jobs.get': JobInfo;
  'jobs.cancel': JobInfo;
  'runs.list': { runs: RunInfo[]; progress: Record<number, Progress> };
  'runs.get': RunDetail;
  'runs.epochs': EpochInfo[];
  'runs.train': { queued: number[] };
  'runs.distill': { queued: number[] };
  'runs.cancel': RunInfo;
  'runs.resume': RunInfo;
  'runs.extend': RunInfo;
  'runs.discardState': { freedBytes: number };
  'runs.rerun': { queued: number[] };
  'runs.repeat': Repetition;
  'runs.delete': { deleted: number };
  'queue.configure': { concurrency: number };
  'ta.sizes': { sizes: number[]; raw: number[] };
  'gates.entity': { weights: number[]; taNorms: number[]; taDims: number[] };
  'gates.summary': GateSummary;
  'gates.rows': { total: number; m: number; rows: GateRow[] };
  'gates.detail': EntityDetail;
  'runs.lineage': Lineage;
  'compare.paired': PairedComparison;
}

/** `storage`: the store or a file could not be written (disk full, read-only); retry once fixed. */
export type ApiErrorKind = 'invalid' | 'not-found' | 'conflict' | 'storage' | 'internal';

export interface ApiError {
  kind: ApiErrorKind;
  message: string;
  /** For `invalid`: one entry per offending field. */
  issues?: { path: string; message: string }[];
}

export type ApiResult<K extends Op> =
  { ok: true; value: Responses[K] } | { ok: false; error: ApiError };

/** Pushed to every face: run status changes, epochs and progress (deltas), job progress. */
export type ApiEvent =
  | { type: 'run'; run: RunInfo }
  | { type: 'epoch'; runId: number; record: EpochInfo }
  | ({ type: 'progress'; runId: number } & Progress)
  | { type: 'job'; job: JobInfo }
  /** Datasets changed outside this window (another process imported one). */
  | { type: 'datasets' }
  /** The store cannot be written (disk full, read-only): why; null once it can again. */
  | { type: 'storage'; problem: string | null };

/** The client each face gets. */
export interface ApiClient {
  call<K extends Op>(op: K, request: Request<K>): Promise<ApiResult<K>>;
  subscribe(f: (e: ApiEvent) => void): () => void;
}
