import { join } from 'node:path';
import type { Dataset } from '../data/dataset';
import { Rng } from '../data/rng';
import { trainSet, type Split, type TrainSet } from '../data/split';
import { initBackend, type BackendChoice, type BackendInfo } from '../engine/backend';
import { CandidateScorer } from '../engine/kernels/candidate-scorer';
import type { TiePolicy } from '../engine/metrics';
import type { Recommender } from '../engine/models/model';
import { restore } from '../engine/params';
import { fit, type EpochReport } from '../engine/trainer';
import type { NamedArray, TypedArray } from '../store/array-file';
import { writeArtifact } from '../store/artifacts';
import {
  loadCheckpoint,
  removeUncommittedCheckpoints,
  writeCheckpoint,
} from '../store/checkpoints';
import type { Store } from '../store/db';
import { StorageError, storageError } from '../errors';
import { checkCandidatesFit, getDataset, loadDataset } from '../store/datasets';
import { createRun, getRun, type RunRow } from '../store/runs';
import { findSplit, writeSplit } from '../store/splits';
import { storeSink, type RunSink } from './run-events';

export interface TrainOutcome {
  run: RunRow;
  backend: BackendInfo;
}

export interface TrainListener {
  /** Polled before every batch; true cancels the run at that boundary. */
  shouldStop?(): boolean;
  onStart?(info: { runId: number; backend: BackendInfo; maxEpochs: number; label: string }): void;
  onEpoch?(r: EpochReport): void;
  /** Where the run's events go; by default they are applied to the store at once. */
  sink?: RunSink;
}

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
  backend: BackendChoice;
}

export interface RunContext {
  dataset: Dataset;
  split: Split;
  train: TrainSet;
  /** Seeded stream for parameter initialisation. */
  initRng: Rng;
  /** Seeded stream for stochastic parts of the objective (Gumbel noise, guide dropping). */
  noiseRng: Rng;
}

export interface ExtraArtifact {
  arrays: Record<string, NamedArray | TypedArray>;
  meta?: Record<string, unknown>;
}

export interface RunSpec {
  kind: 'train' | 'distill';
  model: string;
  method?: string;
  label?: string;
  dataset: string;
  teacherRunId?: number;
  dim: number;
  settings: TrainingSettings;
  /** Stored verbatim with the run: everything needed to reproduce it. */
  config: Record<string, unknown>;
  build(ctx: RunContext): Recommender;
  /** Extra artifacts computed from the best-epoch model (e.g. HyperKDMA gate weights). */
  extraArtifacts?(model: Recommender, ctx: RunContext): Record<string, ExtraArtifact>;
}

/**
 * A checkpoint is written once the time since the last one is at least this many times what the
 * last one cost, so checkpointing stays under ~10% of the run: every epoch while they are cheap
 * (small models, short epochs), less often for large ones.
 */
const CHECKPOINT_COST_FACTOR = 10;
/** A new best epoch is checkpointed sooner, still keeping the overhead under ~25%. */
const BEST_CHECKPOINT_COST_FACTOR = 4;

/** Random streams derived from the run seed (the split uses its own stream of the same seed). */
const STREAM_INIT = 2;
const STREAM_SAMPLING = 3;
const STREAM_NOISE = 4;

/**
 * Executes one run end to end and reports everything as run events: start, one record per epoch,
 * checkpoints, and the best-epoch parameters, representations and per-user ranks as artifact
 * files. Input errors surface before a run row exists; a failure after that fails the run.
 */
export async function executeRun(
  store: Store,
  spec: RunSpec,
  listener: TrainListener = {},
  /** A row made earlier: queued by the runner, or interrupted/failed and resumed. */
  existing?: RunRow,
): Promise<TrainOutcome> {
  const dsRow = getDataset(store, spec.dataset);
  const s = spec.settings;
  checkCandidatesFit(dsRow, s.candidates);
  const sink = listener.sink ?? storeSink(store);
  const backend = await initBackend(s.backend);
  const run =
    existing ??
    createRun(
      store,
      {
        label: spec.label,
        kind: spec.kind,
        model: spec.model,
        method: spec.method,
        datasetId: dsRow.id,
        seed: s.seed,
        teacherRunId: spec.teacherRunId,
        config: spec.config,
      },
      process.pid,
    );
  const runId = run.id;
  try {
    const dataset = loadDataset(store, dsRow);
    const found = findSplit(store, dsRow.id, s.seed, s.candidates);
    const built = found
      ? undefined
      : writeSplit(store.home, dsRow.id, dataset, s.seed, s.candidates);
    const split = found?.split ?? built!.split;
    removeUncommittedCheckpoints(store, runId);
    const checkpoint = existing ? loadCheckpoint(store, runId) : undefined;
    sink({
      type: 'started',
      runId,
      split: found ? { splitId: found.splitId } : { created: built!.record },
      backend: backend.name,
      device: backend.device,
      pid: process.pid,
      fromEpoch: checkpoint?.epochsDone ?? 0,
    });
    listener.onStart?.({ runId, backend, maxEpochs: s.maxEpochs, label: spec.label ?? '' });
    const ctx: RunContext = {
      dataset,
      split,
      train: trainSet(dataset, split),
      initRng: Rng.seeded(s.seed, STREAM_INIT),
      noiseRng: Rng.seeded(s.seed, STREAM_NOISE),
    };
    const model = spec.build(ctx);
    const scorer = new CandidateScorer(split, dataset.nUsers, dataset.nItems);
    let lastCheckpoint = performance.now();
    let checkpointCost = 0;
    const result = await fit(
      model,
      { train: ctx.train, split, scorer },
      {
        batchSize: s.batch,
        negatives: s.neg,
        maxEpochs: s.maxEpochs,
        patience: s.patience,
        ties: s.ties,
        adam: { lr: s.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: s.reg },
      },
      Rng.seeded(s.seed, STREAM_SAMPLING),
      {
        onEpoch: (r) => {
          sink({ type: 'epoch', runId, record: r });
          listener.onEpoch?.(r);
        },
        onBatch: (epoch, batch, batches) =>
          sink({ type: 'progress', runId, epoch, batch, batches }),
        shouldStop: () => listener.shouldStop?.() ?? false,
        onCheckpoint: (state, isBest, isLast) => {
          const start = performance.now();
          const since = start - lastCheckpoint;
          const due =
            isLast ||
            since >= CHECKPOINT_COST_FACTOR * checkpointCost ||
            (isBest && since >= BEST_CHECKPOINT_COST_FACTOR * checkpointCost);
          if (!due) return;
          sink({ type: 'checkpoint', runId, file: writeCheckpoint(store.home, runId, state()) });
          lastCheckpoint = performance.now();
          checkpointCost = lastCheckpoint - start;
        },
      },
      [ctx.noiseRng],
      checkpoint,
    );
    if (!result.best) {
      sink({ type: 'stopped', runId });
      return { run: getRun(store, runId), backend };
    }
    restore(model.params, result.bestParams);
    const tables = model.representationTables();
    const extra = spec.extraArtifacts?.(model, ctx) ?? {};
    const dir = join('runs', `${runId}`);
    const epoch = result.bestEpoch;
    const write = (
      kind: string,
      arrays: Record<string, NamedArray | TypedArray>,
      meta: Record<string, unknown>,
      name = kind,
    ) => writeArtifact(store.home, kind, join(dir, `${name}.hkda`), arrays, meta);
    const files = [
      write('checkpoint', result.bestParams, { epoch, model: spec.model, dim: spec.dim }, 'best'),
      write(
        'embeddings',
        {
          users: {
            data: tables.users,
            shape: [dataset.nUsers, tables.users.length / dataset.nUsers],
          },
          items: {
            data: tables.items,
            shape: [dataset.nItems, tables.items.length / dataset.nItems],
          },
        },
        { epoch },
      ),
      write('ranks', { ...result.best.ranks }, { epoch, ties: s.ties }),
      ...Object.entries(extra).map(([kind, a]) => write(kind, a.arrays, { epoch, ...a.meta })),
    ];
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    sink({
      type: 'finished',
      runId,
      status: result.stoppedBy === 'cancelled' ? 'cancelled' : 'completed',
      summary: { bestEpoch: result.bestEpoch, valid: result.best.valid, test: result.best.test },
      trainSecondsPerEpoch: mean(result.trainSeconds),
      evalSecondsPerEpoch: mean(result.evalSeconds),
      files,
    });
  } catch (caught) {
    const stored = storageError(caught, store.dbPath);
    const resumable = stored instanceof StorageError;
    const e = resumable
      ? new StorageError(
          `${stored.message}; run #${runId} is interrupted: once there is space, \`hkd runs resume ${runId}\` continues it`,
        )
      : stored;
    const error = e instanceof Error ? (resumable ? e.message : (e.stack ?? e.message)) : String(e);
    try {
      sink({ type: 'failed', runId, error, resumable });
    } catch {
      // The store cannot record it either (disk full): the run stays running under this
      // process's pid and is found interrupted, resumable, once the process has gone.
    }
    throw e;
  }
  return { run: getRun(store, runId), backend };
}
