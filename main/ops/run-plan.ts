import type {
  BackendChoice,
  DistillConfig,
  EarlyStopRule,
  ModelName,
  ModelOptions,
} from '../contract';
import type { TiePolicy } from '../engine/metrics';
import type { ReplayRecord } from './replay-check';

// A run's plan: everything its training needs that only the store's owner can look up (settings,
// file paths, the runs it learns from), resolved before training starts. Training (execute.ts)
// reads files and reports events; it never opens the store, so a trainer process cannot write it.
// A plan is plain data: it crosses to a trainer process as JSON.

/** Optimisation and protocol settings shared by every run. */
export interface TrainingSettings {
  seed: number;
  lr: number;
  reg: number;
  batch: number;
  neg: number;
  maxEpochs: number;
  patience: number;
  candidates: number;
  ties: TiePolicy;
  earlyStop: EarlyStopRule;
  backend: BackendChoice;
}

/** A frozen run a student learns from: its representation file and width. */
export interface GuideFile {
  name: string;
  /** Relative to the store's home. */
  path: string;
  width: number;
}

export interface RunPlan {
  home: string;
  /** Named in storage errors. */
  dbPath: string;
  runId: number;
  kind: 'train' | 'distill';
  model: ModelName;
  label: string;
  /** The model's embedding size (a student's for a distillation). */
  dim: number;
  options: ModelOptions;
  settings: TrainingSettings;
  dataset: { id: number; path: string; stats: { users: number; items: number } };
  /** The stored split, or none yet: training builds and reports it. */
  split?: { splitId: number; path: string };
  /** The committed checkpoint to continue from. */
  checkpoint?: string;
  /** A replay's recorded epochs, each of which it must reproduce exactly. */
  replay?: ReplayRecord;
  distill?: {
    cfg: DistillConfig;
    dT: number;
    taDims: number[];
    /** The teacher first, then TAKD's last link or DGKD's trained TAs. */
    guides: GuideFile[];
    /** Frozen TA runs (HyperKDMA's "w/o HNet (pretrained)" ablation). */
    taGuides: GuideFile[];
  };
}
