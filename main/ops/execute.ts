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
import { deleteArtifact, saveArrays } from '../store/artifacts';
import type { NamedArray, TypedArray } from '../store/array-file';
import type { Store } from '../store/db';
import { getDataset, loadDataset } from '../store/datasets';
import { loadCheckpoint, saveCheckpoint } from '../store/checkpoints';
import {
  cancelRun,
  createRun,
  dropEpochsFrom,
  failRun,
  finishRun,
  getRun,
  markRunning,
  recordEpoch,
  type RunRow,
} from '../store/runs';
import { getOrCreateSplit } from '../store/splits';

export interface TrainOutcome {
  run: RunRow;
  backend: BackendInfo;
}

export interface TrainListener {
  /** Polled before every batch; true cancels the run at that boundary. */
  shouldStop?(): boolean;
  onStart?(info: { runId: number; backend: BackendInfo; maxEpochs: number; label: string }): void;
  onEpoch?(r: EpochReport): void;
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

/** Random streams derived from the run seed (the split uses its own stream of the same seed). */
const STREAM_INIT = 2;
const STREAM_SAMPLING = 3;
const STREAM_NOISE = 4;

/**
 * Executes one run end to end and records everything: the run row, one row per epoch, and the
 * best-epoch checkpoint, representations and per-user ranks as artifacts. Input errors surface
 * before a run row exists; a failure after that marks the run failed with its error.
 */
export async function executeRun(
  store: Store,
  spec: RunSpec,
  listener: TrainListener = {},
  /** An interrupted or failed run to continue from its last checkpoint. */
  resume?: RunRow,
): Promise<TrainOutcome> {
  const dsRow = getDataset(store, spec.dataset);
  const s = spec.settings;
  const backend = await initBackend(s.backend);
  const run =
    resume ??
    createRun(store, {
      label: spec.label,
      kind: spec.kind,
      model: spec.model,
      method: spec.method,
      datasetId: dsRow.id,
      seed: s.seed,
      teacherRunId: spec.teacherRunId,
      config: spec.config,
    });
  try {
    const dataset = loadDataset(store, dsRow);
    const { splitId, split } = getOrCreateSplit(store, dsRow.id, dataset, s.seed, s.candidates);
    markRunning(store, run.id, { splitId, backend: backend.name, device: backend.device });
    const checkpoint = resume ? loadCheckpoint(store, run.id) : undefined;
    if (resume) dropEpochsFrom(store, run.id, checkpoint?.epochsDone ?? 0);
    listener.onStart?.({ runId: run.id, backend, maxEpochs: s.maxEpochs, label: spec.label ?? '' });
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
          recordEpoch(store, run.id, r);
          listener.onEpoch?.(r);
        },
        shouldStop: () => listener.shouldStop?.() ?? false,
        onCheckpoint: (state) => {
          const start = performance.now();
          if (start - lastCheckpoint < CHECKPOINT_COST_FACTOR * checkpointCost) return;
          saveCheckpoint(store, run.id, state());
          lastCheckpoint = performance.now();
          checkpointCost = lastCheckpoint - start;
        },
      },
      [ctx.noiseRng],
      checkpoint,
    );
    if (!result.best) {
      cancelRun(store, run.id);
      return { run: getRun(store, run.id), backend };
    }
    restore(model.params, result.bestParams);
    const tables = model.representationTables();
    const extra = spec.extraArtifacts?.(model, ctx) ?? {};
    const dir = join('runs', `${run.id}`);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    store.db.transaction(() => {
      const owner = { runId: run.id };
      const epoch = result.bestEpoch;
      saveArrays(store, owner, 'checkpoint', join(dir, 'best.hkda'), result.bestParams, {
        epoch,
        model: spec.model,
        dim: spec.dim,
      });
      saveArrays(
        store,
        owner,
        'embeddings',
        join(dir, 'embeddings.hkda'),
        {
          users: { data: tables.users, shape: [dataset.nUsers, spec.dim] },
          items: { data: tables.items, shape: [dataset.nItems, spec.dim] },
        },
        { epoch },
      );
      saveArrays(
        store,
        owner,
        'ranks',
        join(dir, 'ranks.hkda'),
        { test: result.best.ranks.test, valid: result.best.ranks.valid },
        { epoch, ties: s.ties },
      );
      for (const [kind, a] of Object.entries(extra)) {
        saveArrays(store, owner, kind, join(dir, `${kind}.hkda`), a.arrays, { epoch, ...a.meta });
      }
      deleteArtifact(store, { runId: run.id }, 'resume');
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
