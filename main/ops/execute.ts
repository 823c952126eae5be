import { join } from 'node:path';
import type { RunInfo } from '../contract';
import type { Dataset } from '../data/dataset';
import { Rng } from '../data/rng';
import { trainSet, type Split, type TrainSet } from '../data/split';
import { initBackend, type BackendInfo } from '../engine/backend';
import { frozenGuide, type Guide } from '../engine/kd/guide';
import { familySpec } from '../engine/kd/methods/registry';
import type { Artifact } from '../engine/kd/methods/family';
import type { DistilledStudent } from '../engine/kd/distilled-student';
import { CandidateScorer } from '../engine/kernels/candidate-scorer';
import { setNativeThreads } from '../engine/kernels/native-blas';
import type { Recommender } from '../engine/models/model';
import { createModel } from '../engine/models/registry';
import { ADAM_DEFAULTS } from '../engine/adam';
import { restore } from '../engine/params';
import { fit, type EpochReport } from '../engine/fit';
import { isUserError, StorageError, storageError } from '../errors';
import { median } from '../shared/mean-sd';
import { readArrayFile, type NamedArray, type TypedArray } from '../store/array-file';
import { writeArtifact } from '../store/artifact-file';
import {
  readCheckpoint,
  removeUncommittedCheckpoints,
  writeCheckpoint,
} from '../store/checkpoint-file';
import { readDatasetFile } from '../store/dataset-file';
import { readSplit, writeSplit } from '../store/split-file';
import { buildDistilledStudent } from './distilled-student';
import { checkReplayEpoch } from './replay-check';
import type { RunSink } from '../runner/run-events';
import type { GuideFile, RunPlan } from './run-plan';

export type { RunPlan, TrainingSettings } from './run-plan';

export interface TrainOutcome {
  run: RunInfo;
  backend: BackendInfo;
}

export interface TrainListener {
  /** Polled before every batch; true cancels the run at that boundary. */
  shouldStop?(): boolean;
  onStart?(info: {
    runId: number;
    backend: BackendInfo;
    maxEpochs: number;
    patience: number;
    label: string;
  }): void;
  onEpoch?(r: EpochReport): void;
  /** After each batch: where the run is within its epoch. */
  onBatch?(epoch: number, batch: number, batches: number): void;
  /** Where the run's events go; by default they are applied to the store at once. */
  sink?: RunSink;
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

/** A frozen run's representations from its file. */
const readGuide = (home: string, g: GuideFile): Guide => {
  const f = readArrayFile(join(home, g.path));
  return frozenGuide(g.name, g.width, { users: f.get('users'), items: f.get('items') });
};

/** The model a plan trains: a base model, or a student with its distillation objective. */
function buildModel(plan: RunPlan, ctx: RunContext): Recommender {
  const d = plan.distill;
  if (!d)
    return createModel(plan.model, {
      nUsers: ctx.dataset.nUsers,
      nItems: ctx.dataset.nItems,
      dim: plan.dim,
      train: ctx.train,
      rng: ctx.initRng,
      noise: ctx.noiseRng,
      options: plan.options,
    });
  return buildDistilledStudent(
    {
      cfg: d.cfg,
      model: plan.model,
      options: plan.options,
      dT: d.dT,
      taDims: d.taDims,
      guides: d.guides.map((g) => readGuide(plan.home, g)),
      taGuides: d.taGuides.map((g) => readGuide(plan.home, g)),
    },
    ctx,
  );
}

/** Arrays a distillation keeps beyond the model (HyperKDMA's gate weights). */
async function extraArtifacts(
  plan: RunPlan,
  model: Recommender,
  ctx: RunContext,
): Promise<Record<string, Artifact>> {
  const d = plan.distill;
  if (!d) return {};
  const entities = { nUsers: ctx.dataset.nUsers, nItems: ctx.dataset.nItems };
  const artifacts = familySpec(d.cfg.method).artifacts;
  return (await artifacts?.((model as DistilledStudent).distiller, entities)) ?? {};
}

/**
 * Trains the run of a plan end to end and reports everything as run events to `sink`: start, one
 * record per epoch, checkpoints, and the best-epoch parameters, representations and per-user
 * ranks as files. It reads and writes files only; the store's owner applies the events. A failure
 * once the run has started is reported as the run's failure, and thrown.
 */
export async function trainPlan(
  plan: RunPlan,
  sink: RunSink,
  listener: TrainListener = {},
): Promise<BackendInfo> {
  const s = plan.settings;
  const { home, runId } = plan;
  // A replay's products split as the recorded run's did: the sums' order decides the last bits.
  if (plan.replay?.threads) setNativeThreads(plan.replay.threads);
  const backend = await initBackend(s.backend);
  try {
    const dataset = readDatasetFile(home, plan.dataset.path, plan.dataset.stats);
    const built = plan.split
      ? undefined
      : writeSplit(home, plan.dataset.id, dataset, s.seed, s.candidates);
    const split = plan.split ? readSplit(home, plan.split.path, s.seed) : built!.split;
    removeUncommittedCheckpoints(home, runId, plan.checkpoint);
    const checkpoint = plan.checkpoint ? readCheckpoint(home, plan.checkpoint) : undefined;
    sink({
      type: 'started',
      runId,
      split: plan.split ? { splitId: plan.split.splitId } : { created: built!.record },
      backend: backend.name,
      device: backend.device,
      pid: process.pid,
      fromEpoch: checkpoint?.epochsDone ?? 0,
    });
    listener.onStart?.({
      runId,
      backend,
      maxEpochs: s.maxEpochs,
      patience: s.patience,
      label: plan.label,
    });
    const ctx: RunContext = {
      dataset,
      split,
      train: trainSet(dataset, split),
      initRng: Rng.seeded(s.seed, STREAM_INIT),
      noiseRng: Rng.seeded(s.seed, STREAM_NOISE),
    };
    const model = buildModel(plan, ctx);
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
        earlyStop: s.earlyStop,
        ties: s.ties,
        adam: { ...ADAM_DEFAULTS, lr: s.lr, weightDecay: s.reg },
      },
      Rng.seeded(s.seed, STREAM_SAMPLING),
      {
        onEpoch: (r) => {
          sink({ type: 'epoch', runId, record: r });
          if (plan.replay) checkReplayEpoch(plan.replay, r, backend.device);
          listener.onEpoch?.(r);
        },
        onBatch: (epoch, batch, batches) => {
          sink({ type: 'progress', runId, epoch, batch, batches });
          listener.onBatch?.(epoch, batch, batches);
        },
        shouldStop: () => listener.shouldStop?.() ?? false,
        onCheckpoint: (state, isBest, isLast) => {
          const start = performance.now();
          const since = start - lastCheckpoint;
          const due =
            isLast ||
            since >= CHECKPOINT_COST_FACTOR * checkpointCost ||
            (isBest && since >= BEST_CHECKPOINT_COST_FACTOR * checkpointCost);
          if (!due) return;
          sink({ type: 'checkpoint', runId, file: writeCheckpoint(home, runId, state()) });
          lastCheckpoint = performance.now();
          checkpointCost = lastCheckpoint - start;
        },
      },
      [ctx.noiseRng],
      checkpoint,
    );
    if (!result.best) {
      sink({ type: 'stopped', runId });
      return backend;
    }
    restore(model.params, result.bestParams);
    const tables = await model.representationTables();
    const extra = await extraArtifacts(plan, model, ctx);
    const dir = join('runs', `${runId}`);
    const epoch = result.bestEpoch;
    const write = (
      kind: string,
      arrays: Record<string, NamedArray | TypedArray>,
      meta: Record<string, unknown>,
      name = kind,
    ) => writeArtifact(home, kind, join(dir, `${name}.hkda`), arrays, meta);
    const files = [
      write('checkpoint', result.bestParams, { epoch, model: plan.model, dim: plan.dim }, 'best'),
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
    sink({
      type: 'finished',
      runId,
      status: result.stoppedBy === 'cancelled' ? 'cancelled' : 'completed',
      summary: { bestEpoch: result.bestEpoch, valid: result.best.valid, test: result.best.test },
      // Medians: a run paused or slowed by a neighbour for a few epochs keeps its typical pace.
      trainSecondsPerEpoch: median(result.trainSeconds),
      evalSecondsPerEpoch: median(result.evalSeconds),
      files,
    });
  } catch (caught) {
    const stored = storageError(caught, plan.dbPath);
    const resumable = stored instanceof StorageError;
    const e = resumable
      ? new StorageError(
          `${stored.message}; run #${runId} is interrupted: once there is space, \`hkd runs resume ${runId}\` continues it`,
        )
      : stored;
    const error = isUserError(e)
      ? e.message
      : e instanceof Error
        ? (e.stack ?? e.message)
        : String(e);
    try {
      sink({ type: 'failed', runId, error, resumable });
    } catch {
      // The store cannot record it either (disk full): the run stays running under this
      // process's pid and is found interrupted, resumable, once the process has gone.
    }
    throw e;
  }
  return backend;
}
