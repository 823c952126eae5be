import { InputError } from '../errors';
import type { BackendChoice } from '../engine/backend';
import type { Store } from '../store/db';
import { getRun, reapInterrupted, runPid, type RunRow } from '../store/runs';
import { requireCompleted, runDistill, trainNow } from './distill';
import type { TrainListener, TrainOutcome } from './execute';
import { runTraining } from './train';

/** Stored with a distillation run but not part of its request. */
const DERIVED = ['seed', 'guideRuns', 'pretrainedTaRuns'];

/**
 * Executes a stored run with the configuration it was created with: a queued one from the start,
 * an interrupted or failed one from its last checkpoint (its later epochs then equal those of an
 * uninterrupted run of the same seed).
 */
export function executeStoredRun(
  store: Store,
  run: RunRow,
  listener: TrainListener = {},
  opts: { backend?: BackendChoice; prerequisitesDone?: boolean } = {},
): Promise<TrainOutcome> {
  const config: Record<string, unknown> = {
    ...run.config,
    ...(opts.backend ? { backend: opts.backend } : {}),
  };
  if (run.kind === 'train') return runTraining(store, config, listener, run);
  for (const k of DERIVED) delete config[k];
  const prerequisite = opts.prerequisitesDone ? requireCompleted(store) : trainNow(store, listener);
  return runDistill(store, config, listener, run, prerequisite);
}

/** Continues an interrupted (or failed) run in this process from its last checkpoint. */
export async function resumeRun(
  store: Store,
  runId: number,
  listener: TrainListener = {},
  backend?: BackendChoice,
): Promise<TrainOutcome> {
  reapInterrupted(store);
  const run = getRun(store, runId);
  if (run.status !== 'interrupted' && run.status !== 'failed') {
    throw new InputError(
      `run #${run.id} is ${run.status}; only interrupted or failed runs can be resumed`,
    );
  }
  return executeStoredRun(store, run, listener, { backend });
}

/**
 * Asks the process training a run to cancel it: the run stops at its next batch boundary and
 * keeps its best epoch so far (the same path as Ctrl-C in that process).
 */
export function cancelRunningRun(store: Store, runId: number): void {
  reapInterrupted(store);
  const run = getRun(store, runId);
  const pid = runPid(store, runId);
  if (run.status !== 'running' || pid === null) {
    throw new InputError(`run #${run.id} is ${run.status}; only running runs can be cancelled`);
  }
  process.kill(pid, 'SIGINT');
}
