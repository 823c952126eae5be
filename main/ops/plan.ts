import type { DatasetInfo, RunInfo } from '../contract';
import { findArtifact } from '../store/artifacts';
import type { Store } from '../store/db';
import { datasetFile } from '../store/datasets';
import { findRun, getEpochs, getRun } from '../store/runs';
import { findSplitFile } from '../store/splits';
import { trainPlan, type TrainListener, type TrainOutcome } from './execute';
import { storeSink } from '../runner/run-events';
import { deviceThreads, type ReplayRecord } from './replay-check';
import type { RunPlan, TrainingSettings } from './run-plan';

/** What a run's plan says beyond what the store looks up. */
export type PlanParts = Omit<
  RunPlan,
  'home' | 'dbPath' | 'runId' | 'dataset' | 'split' | 'checkpoint' | 'settings'
> & { dataset: DatasetInfo; settings: TrainingSettings };

/**
 * The plan of `run` (store's owner only): its files looked up now. `resume`: continue from its
 * committed checkpoint, if it has one.
 */
export function makePlan(store: Store, run: RunInfo, parts: PlanParts, resume: boolean): RunPlan {
  const s = parts.settings;
  const ds = parts.dataset;
  return {
    ...parts,
    home: store.home,
    dbPath: store.dbPath,
    runId: run.id,
    settings: {
      seed: s.seed,
      lr: s.lr,
      reg: s.reg,
      batch: s.batch,
      neg: s.neg,
      maxEpochs: s.maxEpochs,
      patience: s.patience,
      candidates: s.candidates,
      ties: s.ties,
      earlyStop: s.earlyStop,
      backend: s.backend,
    },
    dataset: {
      id: ds.id,
      path: datasetFile(store, ds),
      stats: { users: ds.stats.users, items: ds.stats.items },
    },
    split: findSplitFile(store, ds.id, s.seed, s.candidates),
    checkpoint: resume ? findArtifact(store, { runId: run.id }, 'resume')?.path : undefined,
    ...(run.replayOf === null
      ? {}
      : {
          replay: replayRecord(store, run.replayOf),
        }),
  };
}

/** What a replay of run `id` must reproduce, and what that run trained on. */
function replayRecord(store: Store, id: number): ReplayRecord {
  const { device } = getRun(store, id);
  return {
    sourceId: id,
    epochs: getEpochs(store, id).map(({ losses, valid, test }) => ({ losses, valid, test })),
    device,
    threads: deviceThreads(device),
  };
}

/** Trains a planned run in this process, applying its events to the store as they come. */
export async function trainHere(
  store: Store,
  plan: RunPlan,
  listener: TrainListener,
): Promise<TrainOutcome> {
  const backend = await trainPlan(plan, listener.sink ?? storeSink(store), listener);
  // A completed replay is folded into the run it replays: that run is the outcome.
  const folded = plan.replay && !findRun(store, plan.runId);
  return { run: getRun(store, folded ? plan.replay!.sourceId : plan.runId), backend };
}
