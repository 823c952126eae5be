import { pickModelOptions } from '../contract';
import { createModel } from '../engine/models/registry';
import type { Store } from '../store/db';
import { checkCandidatesFit, getDataset } from '../store/datasets';
import { createRun, type RunRow } from '../store/runs';
import { executeRun, type TrainListener, type TrainOutcome } from './execute';
import { parseTrainConfig } from './train-config';

export type { TrainListener, TrainOutcome } from './execute';

/** Trains a base model (a teacher, a TA or a no-KD student) and records the run. */
export async function runTraining(
  store: Store,
  input: unknown,
  listener: TrainListener = {},
  resume?: RunRow,
): Promise<TrainOutcome> {
  const cfg = parseTrainConfig(input);
  return executeRun(
    store,
    {
      kind: 'train',
      model: cfg.model,
      label: cfg.label,
      dataset: cfg.dataset,
      dim: cfg.dim,
      settings: cfg,
      config: cfg,
      build: (ctx) =>
        createModel(cfg.model, {
          nUsers: ctx.dataset.nUsers,
          nItems: ctx.dataset.nItems,
          dim: cfg.dim,
          train: ctx.train,
          rng: ctx.initRng,
          noise: ctx.noiseRng,
          options: pickModelOptions(cfg),
        }),
    },
    listener,
    resume,
  );
}

/** Checks a training request and queues it for the runner. */
export function queueTraining(store: Store, input: unknown): RunRow {
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
