// The contract's vocabulary: backends, models, methods, formats, run statuses.

export const BACKENDS = ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
export const MODEL_NAMES = ['BPR', 'NeuMF', 'LightGCN', 'NGCF', 'SGL'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
/** hypernet: the method; shared / pretrained: the two readings of "w/o HNet". */
export const TA_SOURCES = ['hypernet', 'shared', 'pretrained'] as const;
/**
 * How HyperKDMA's TA term trains (docs/FIDELITY.md, "Variants"): `paper` is the objective as
 * written; every other mode is a labelled variant, never a default.
 */
export const TA_MODES = ['paper', 'code', 'frozen', 'detached', 'normalised', 'anchored'] as const;
export type TaMode = (typeof TA_MODES)[number];
export const TA_MODE_HELP: Record<TaMode, string> = {
  paper: 'the objective as written: hypernet, gate and TA modules learn through the TA term',
  code: "the released code's BPR/LightGCN behaviour: the TA term is not added (DE/PHR) and the hypernet, gate and TA modules keep their initialisation",
  frozen:
    'hypernet (or static projections) and gate fixed at their seeded initialisation, out of the optimiser; the TA modules learn',
  detached:
    'the TA targets carry no gradient into the hypernet (with DE modules it then learns nothing and stays out of the optimiser)',
  normalised:
    "each TA representation rescaled to its teacher row's norm before its module reads it, so shrinking the hypernet cannot lower the TA term",
  anchored:
    'each TA representation must also reconstruct the teacher row through its own linear decoder (weight --ta-anchor)',
};
export const PHR_ENRICHMENTS = ['none', 'full', 'batch'] as const;
export type PhrEnrichment = (typeof PHR_ENRICHMENTS)[number];
export const FORMATS = ['auto', 'usersdat', 'csv', 'movielens'] as const;

/** `h5`: the paper's early stopping; `any`: the authors' code's (METHOD.md §2.3). */
export const EARLY_STOP_RULES = ['h5', 'any'] as const;
export type EarlyStopRule = (typeof EARLY_STOP_RULES)[number];
export type Format = (typeof FORMATS)[number];

/** Datasets shipped in the repository's `datasets/` folder, offered for import with one click. */
export const BUNDLED_DATASETS = {
  citeulike: {
    file: 'citeulike/users.dat',
    format: 'usersdat',
    description:
      "CiteULike (citeulike-t), the paper's first dataset: 5,219 users, 25,181 items, 125,580 interactions after the ≥ 5 rule",
  },
} as const satisfies Record<string, { file: string; format: Format; description: string }>;
export type BundledDataset = keyof typeof BUNDLED_DATASETS;
export const BUNDLED_NAMES = Object.keys(BUNDLED_DATASETS) as [BundledDataset, ...BundledDataset[]];
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

/** The documents shipped with the app (`docs/<name>.md`), readable in the workbench. */
export const SHIPPED_DOCS = [
  'GUIDE',
  'METHOD',
  'FIDELITY',
  'BENCHMARKS',
  'ARCHITECTURE',
  'ENGINE',
] as const;
export type ShippedDoc = (typeof SHIPPED_DOCS)[number];

/** A configuration field as the command line spells it: `maxEpochs` → `max-epochs`. */
export const kebab = (field: string): string =>
  field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
