import { pickModelOptions, type RunInfo, type TrainConfig } from '../contract';
import { initBackend } from '../engine/backend';
import type { Store } from '../store/db';
import { checkCandidatesFit, getDataset } from '../store/datasets';
import { createRun } from '../store/runs';
import type { TrainListener, TrainOutcome } from './execute';
import { makePlan, trainHere } from './plan';
import type { RunPlan } from './run-plan';
import { parseTrainConfig } from './train-config';

export type { TrainListener, TrainOutcome } from './execute';

/** The plan of a stored base-model run (store's owner). */
export function planTraining(store: Store, input: unknown, run: RunInfo, resume: boolean): RunPlan {
  const cfg = parseTrainConfig(input);
  const dataset = getDataset(store, cfg.dataset);
  checkCandidatesFit(dataset, cfg.candidates);
  const parts = {
    kind: 'train' as const,
    model: cfg.model,
    label: cfg.label ?? '',
    dim: cfg.dim,
    options: pickModelOptions(cfg),
    settings: cfg,
    dataset,
  };
  return makePlan(store, run, parts, resume);
}

/** Trains a base model (a teacher, a TA or a no-KD student) in this process and records the run. */
export async function runTraining(
  store: Store,
  input: unknown,
  listener: TrainListener = {},
  /** A queued run, or an interrupted or failed one to resume. */
  existing?: RunInfo,
): Promise<TrainOutcome> {
  const cfg = parseTrainConfig(input);
  // A backend that cannot start is an input error: no run row for it.
  await initBackend(cfg.backend);
  const run = existing ?? createTrainingRun(store, cfg, process.pid);
  return trainHere(store, planTraining(store, cfg, run, existing !== undefined), listener);
}

/** Checks a training request and queues it for the runner. */
export const queueTraining = (store: Store, input: unknown): RunInfo =>
  createTrainingRun(store, parseTrainConfig(input));

/** A training run's row: queued, or running under `pid` (trained by that process). */
function createTrainingRun(store: Store, cfg: TrainConfig, pid?: number): RunInfo {
  const ds = getDataset(store, cfg.dataset);
  checkCandidatesFit(ds, cfg.candidates);
  const row = { label: cfg.label, kind: 'train' as const, model: cfg.model, config: cfg };
  return createRun(store, { ...row, datasetId: ds.id, seed: cfg.seed }, pid);
}
