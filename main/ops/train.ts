import { pickModelOptions, type RunInfo } from '../contract';
import { initBackend } from '../engine/backend';
import type { Store } from '../store/db';
import { checkCandidatesFit, getDataset } from '../store/datasets';
import { createRun, getRun } from '../store/runs';
import { trainPlan, type TrainListener, type TrainOutcome } from './execute';
import { makePlan } from './plan';
import type { RunPlan } from './run-plan';
import { storeSink } from '../runner/run-events';
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
  const ds = getDataset(store, cfg.dataset);
  checkCandidatesFit(ds, cfg.candidates);
  // A backend that cannot start is an input error: no run row for it.
  await initBackend(cfg.backend);
  const run =
    existing ??
    createRun(
      store,
      {
        label: cfg.label,
        kind: 'train',
        model: cfg.model,
        datasetId: ds.id,
        seed: cfg.seed,
        config: cfg,
      },
      process.pid,
    );
  const plan = planTraining(store, cfg, run, existing !== undefined);
  const backend = await trainPlan(plan, listener.sink ?? storeSink(store), listener);
  return { run: getRun(store, run.id), backend };
}

/** Checks a training request and queues it for the runner. */
export function queueTraining(store: Store, input: unknown): RunInfo {
  const cfg = parseTrainConfig(input);
  const ds = getDataset(store, cfg.dataset);
  checkCandidatesFit(ds, cfg.candidates);
  return createRun(store, {
    label: cfg.label,
    kind: 'train',
    model: cfg.model,
    datasetId: ds.id,
    seed: cfg.seed,
    config: cfg,
  });
}
