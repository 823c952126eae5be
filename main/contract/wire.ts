import type { StoredRunConfig } from './run-config';
import type { BundledDataset, RunStatus } from './vocabulary';

// What the API answers with: datasets, runs, epochs, jobs, gate summaries, lineage.

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

/** A run; its configuration's type follows its kind. */
export type RunInfo = RunRecord & StoredRunConfig;

interface RunRecord {
  id: number;
  /** The same in every home the run is exported to (bundles link runs by it). */
  uid: string;
  label: string | null;
  model: string;
  method: string | null;
  datasetId: number;
  /** The dataset's name; null once the dataset is deleted. */
  dataset: string | null;
  splitId: number | null;
  seed: number;
  teacherRunId: number | null;
  /** The run whose epochs this one continues, if it was branched from one (ops/branch.ts). */
  branchOf: number | null;
  /** The recorded run this one trains again to restore its files (ops/replay.ts). */
  replayOf: number | null;
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
  /** Why it ended (early stop, epoch limit, cancelled, failed, interrupted); null until then. */
  stopReason: string | null;
  /** An unfinished run with epochs: its best so far and its recent pace. */
  live: LiveProgress | null;
}

export interface LiveProgress {
  /**
   * The epoch its patience counts from, and the one it would report if it stopped now: under `h5`
   * the first with the highest valid H@5, under `any` the last that bettered H@5, H@10 or H@20.
   */
  bestEpoch: number;
  /** The highest validation hit rates so far (what it reports for each K). */
  bestValidH5: number;
  bestValidH10: number;
  bestValidH20: number;
  /** Training + evaluation seconds per epoch, averaged over its recent epochs (exponentially). */
  secondsPerEpoch: number;
}

/** The embedding size a run produced: its own, or its student's. */
export const runDim = (r: RunInfo): number =>
  r.kind === 'train' ? r.config.dim : r.config.studentDim;

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
  /** The shipped datasets this install has (see BUNDLED_DATASETS). */
  bundledDatasets: BundledDataset[];
}

export const GATE_ORDERS = ['id', 'dominant', 'entropy', 'activity'] as const;

export interface GateSummary {
  kind: 'user' | 'item';
  n: number;
  taDims: number[];
  meanWeights: number[];
  /** The smallest and largest weight of any entity and TA (the heatmap's colour range). */
  weightRange: { min: number; max: number };
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
