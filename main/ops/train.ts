import { join } from 'node:path';
import { Rng } from '../data/rng';
import { trainSet } from '../data/split';
import { initBackend, type BackendInfo } from '../engine/backend';
import { CandidateScorer } from '../engine/kernels/candidate-scorer';
import { createModel } from '../engine/models/registry';
import { restore } from '../engine/params';
import { fit, type EpochReport } from '../engine/trainer';
import { saveArrays } from '../store/artifacts';
import type { Store } from '../store/db';
import { getDataset, loadDataset } from '../store/datasets';
import {
  createRun,
  failRun,
  finishRun,
  getRun,
  markRunning,
  recordEpoch,
  type RunRow,
} from '../store/runs';
import { getOrCreateSplit } from '../store/splits';
import { parseTrainConfig, type TrainConfig } from './train-config';

export interface TrainOutcome {
  run: RunRow;
  backend: BackendInfo;
}

export interface TrainListener {
  onStart?(info: { runId: number; backend: BackendInfo; maxEpochs: number }): void;
  onEpoch?(r: EpochReport): void;
}

/** Random streams derived from the run seed (the split uses its own stream of the same seed). */
const STREAM_INIT = 2;
const STREAM_SAMPLING = 3;

/**
 * Trains one model end to end and records everything: the run row, one row per epoch, and the
 * best-epoch checkpoint, representations and per-user ranks as artifacts. Input errors surface
 * before a run row exists; a failure after that marks the run failed with its error.
 */
export async function runTraining(
  store: Store,
  input: unknown,
  listener: TrainListener = {},
): Promise<TrainOutcome> {
  const cfg: TrainConfig = parseTrainConfig(input);
  const dsRow = getDataset(store, cfg.dataset);
  const backend = await initBackend(cfg.backend);
  const run = createRun(store, {
    label: cfg.label,
    kind: 'train',
    model: cfg.model,
    datasetId: dsRow.id,
    seed: cfg.seed,
    config: cfg,
  });
  try {
    const dataset = loadDataset(store, dsRow);
    const { splitId, split } = getOrCreateSplit(store, dsRow.id, dataset, cfg.seed, cfg.candidates);
    markRunning(store, run.id, { splitId, backend: backend.name, device: backend.device });
    listener.onStart?.({ runId: run.id, backend, maxEpochs: cfg.maxEpochs });
    const train = trainSet(dataset, split);
    const scorer = new CandidateScorer(split, dataset.nUsers, dataset.nItems);
    const model = createModel(
      cfg.model,
      dataset.nUsers,
      dataset.nItems,
      cfg.dim,
      Rng.seeded(cfg.seed, STREAM_INIT),
    );
    const result = await fit(
      model,
      { train, split, scorer },
      {
        batchSize: cfg.batch,
        negatives: cfg.neg,
        maxEpochs: cfg.maxEpochs,
        patience: cfg.patience,
        ties: cfg.ties,
        adam: { lr: cfg.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: cfg.reg },
      },
      Rng.seeded(cfg.seed, STREAM_SAMPLING),
      {
        onEpoch: (r) => {
          recordEpoch(store, run.id, r);
          listener.onEpoch?.(r);
        },
      },
    );
    restore(model.params, result.bestParams);
    const tables = model.representationTables();
    const dir = join('runs', `${run.id}`);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    store.db.transaction(() => {
      saveArrays(
        store,
        { runId: run.id },
        'checkpoint',
        join(dir, 'best.hkda'),
        result.bestParams,
        {
          epoch: result.bestEpoch,
          model: cfg.model,
          dim: cfg.dim,
        },
      );
      saveArrays(
        store,
        { runId: run.id },
        'embeddings',
        join(dir, 'embeddings.hkda'),
        {
          users: { data: tables.users, shape: [dataset.nUsers, cfg.dim] },
          items: { data: tables.items, shape: [dataset.nItems, cfg.dim] },
        },
        { epoch: result.bestEpoch },
      );
      saveArrays(
        store,
        { runId: run.id },
        'ranks',
        join(dir, 'ranks.hkda'),
        { test: result.best.ranks.test, valid: result.best.ranks.valid },
        { epoch: result.bestEpoch, ties: cfg.ties },
      );
      finishRun(store, run.id, {
        status: result.stoppedBy === 'cancelled' ? 'cancelled' : 'completed',
        summary: { bestEpoch: result.bestEpoch, valid: result.best.valid, test: result.best.test },
        trainSecondsPerEpoch: mean(result.trainSeconds),
        evalSecondsPerEpoch: mean(result.evalSeconds),
      });
    })();
  } catch (e) {
    failRun(store, run.id, e instanceof Error ? (e.stack ?? e.message) : String(e));
    throw e;
  }
  return { run: getRun(store, run.id), backend };
}
