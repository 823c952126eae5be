// The contract's vocabulary: backends, models, methods, formats, run statuses.

export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
export const MODEL_NAMES = ['BPR', 'NeuMF', 'LightGCN', 'NGCF', 'SGL'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
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
