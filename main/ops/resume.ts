import { InputError } from '../errors';
import type { BackendChoice } from '../engine/backend';
import type { Store } from '../store/db';
import { getRun, reapInterrupted, runPid } from '../store/runs';
import { runDistill } from './distill';
import type { TrainListener, TrainOutcome } from './execute';
import { runTraining } from './train';

/** Stored with a distillation run but not part of its request. */
const DERIVED = ['seed', 'guideRuns', 'pretrainedTaRuns'];

/**
 * Continues an interrupted (or failed) run from its last checkpoint, with the configuration it
 * was started with; its later epochs equal those of an uninterrupted run of the same seed.
 */
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
  const config: Record<string, unknown> = { ...run.config, ...(backend ? { backend } : {}) };
  if (run.kind === 'train') return runTraining(store, config, listener, run);
  for (const k of DERIVED) delete config[k];
  return runDistill(store, config, listener, run);
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
