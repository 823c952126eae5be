import { join } from 'node:path';
import { InputError } from '../errors';
import { type BackendChoice, isUnfinished, type RunInfo } from '../contract';
import { removeFiles } from '../store/artifact-file';
import { findArtifact, unrecordArtifact } from '../store/artifacts';
import { checkpointProgress } from '../store/checkpoints';
import type { Store } from '../store/db';
import { reopenRun, runsBuiltFrom } from '../store/queue';
import { getRun, listRuns } from '../store/runs';
import { reapInterrupted, runPid } from '../store/run-processes';
import { distillRequest, planStoredDistill, runDistill, trainNow } from './distill';
import type { TrainListener, TrainOutcome } from './execute';
import { trainHere } from './plan';
import type { RunPlan } from './run-plan';
import { planTraining, runTraining } from './train';

/**
 * Executes a stored run with the configuration it was created with: a queued one from the start,
 * an interrupted or failed one from its last checkpoint (its later epochs then equal those of an
 * uninterrupted run of the same seed).
 */
export async function executeStoredRun(
  store: Store,
  run: RunInfo,
  listener: TrainListener = {},
  /** prerequisitesDone: the runs it is built from have completed (the queue saw to it). */
  opts: { backend?: BackendChoice; prerequisitesDone?: boolean } = {},
): Promise<TrainOutcome> {
  if (opts.prerequisitesDone) {
    return trainHere(store, planStoredRun(store, run, opts.backend), listener);
  }
  const config = withBackend(run, opts.backend);
  if (run.kind === 'train') return runTraining(store, config, listener, run);
  return runDistill(store, distillRequest(config), listener, run, trainNow(store, listener));
}

const withBackend = (run: RunInfo, backend?: BackendChoice): Record<string, unknown> => ({
  ...run.config,
  ...(backend ? { backend } : {}),
});

/**
 * The plan of a queued, interrupted or failed run whose sources have completed (store's owner):
 * what the runner hands a trainer process.
 */
export function planStoredRun(store: Store, run: RunInfo, backend?: BackendChoice): RunPlan {
  const config = withBackend(run, backend);
  return run.kind === 'train'
    ? planTraining(store, config, run, true)
    : planStoredDistill(store, run, distillRequest(config));
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

/** New stopping rules for a finished run; what is left out stays as it was. */
export interface ExtensionLimits {
  patience?: number;
  maxEpochs?: number;
}

/** TAKD links, DGKD TAs or pretrained TAs: runs a distillation trained with its own limits. */
function trainedPrerequisites(run: RunInfo): number[] {
  if (run.kind === 'train') return [];
  const { guideRuns: guides = [], pretrainedTaRuns: pretrained = [] } = run.config;
  return [...guides.filter((g) => g !== run.teacherRunId), ...pretrained];
}

const LIMIT_NAMES = { patience: 'patience', maxEpochs: 'the epoch limit' };

/**
 * The kept state of a completed or cancelled run that can train further (extended, or branched
 * into a new run): where its last checkpoint stands. Call it inside the caller's transaction.
 */
export function continuableState(
  store: Store,
  run: RunInfo,
  verb: 'extended' | 'branched',
): NonNullable<ReturnType<typeof checkpointProgress>> {
  const name = `run #${run.id}`;
  if (isUnfinished(run.status)) {
    const hint =
      run.status === 'interrupted' || run.status === 'failed' ? '; resume it instead' : '';
    throw new InputError(
      `${name} is ${run.status}; only completed or cancelled runs can be ${verb}${hint}`,
    );
  }
  const at = checkpointProgress(store, run.id);
  if (!at)
    throw new InputError(
      `${name} kept no training state to continue from (it was discarded, or the run ended ` +
        'before runs kept their last checkpoint or before its first one); train it again with ' +
        'the new limits instead: the same seed replays the same epochs',
    );
  const own = trainedPrerequisites(run);
  if (own.length > 0)
    throw new InputError(
      `${name} learned through runs trained with its own patience and epoch limit ` +
        `(${own.map((u) => `#${u}`).join(', ')}: TAKD links, DGKD or pretrained TAs), so a run ` +
        'started with larger ones would differ from the start; train it again with the new ' +
        'limits instead',
    );
  return at;
}

/**
 * The limits a run continues under: `limits` over its own, checked to only grow (so that the
 * epochs it trained are those a run started with them trains) and to leave it room to train.
 * `at`: its epochs so far and how long it has gone without a better epoch.
 */
export function grownLimits(
  run: RunInfo,
  limits: ExtensionLimits,
  at: { epochsDone: number; bestEpoch: number; sinceBest: number },
): { patience: number; maxEpochs: number } {
  const name = `run #${run.id}`;
  const was = { patience: run.config.patience, maxEpochs: run.config.maxEpochs };
  const next = {
    patience: limits.patience ?? was.patience,
    maxEpochs: limits.maxEpochs ?? was.maxEpochs,
  };
  for (const k of ['patience', 'maxEpochs'] as const) {
    if (next[k] < was[k])
      throw new InputError(
        `${name}: ${LIMIT_NAMES[k]} can only grow (it is ${was[k]}): a smaller one could have ` +
          'stopped the run earlier than it did',
      );
  }
  if (at.epochsDone >= next.maxEpochs)
    throw new InputError(
      `${name} has trained ${at.epochsDone} epochs, its limit; give a larger epoch limit`,
    );
  if (at.sinceBest >= next.patience)
    throw new InputError(
      `${name} went ${at.sinceBest} epoch${at.sinceBest > 1 ? 's' : ''} past its best ` +
        `(epoch ${at.bestEpoch + 1}), its patience; give a patience above ${at.sinceBest}`,
    );
  return next;
}

/**
 * Checks that a completed or cancelled run can train further under `limits` and reopens it with
 * them as `status`. Patience and the epoch limit only decide when training stops, and can only
 * grow, so the extended run's epochs equal those of a run started with the new limits.
 */
export function reopenForExtension(
  store: Store,
  runId: number,
  limits: ExtensionLimits,
  status: 'queued' | 'interrupted',
): RunInfo {
  reapInterrupted(store);
  const { run, stale } = store.write(() => {
    const run = getRun(store, runId);
    const at = continuableState(store, run, 'extended');
    const built = runsBuiltFrom(store, run.id);
    if (built.length > 0)
      throw new InputError(
        `run #${run.id} is a source of run${built.length > 1 ? 's' : ''} ` +
          `${built.map((u) => `#${u}`).join(', ')}; extending it would change what ` +
          `${built.length > 1 ? 'they were' : 'it was'} built from, so train it again with the ` +
          'new limits instead, or branch it into a new run (`hkd runs branch`)',
      );
    return reopenRun(store, run.id, { ...run.config, ...grownLimits(run, limits, at) }, status);
  });
  removeFiles(stale);
  return run;
}

/**
 * Continues a completed or cancelled run in this process from its last checkpoint under larger
 * limits (an early-stopped run whose validation curve dips before it rises, as SGL's does).
 */
export async function extendRun(
  store: Store,
  runId: number,
  limits: ExtensionLimits,
  listener: TrainListener = {},
  backend?: BackendChoice,
): Promise<TrainOutcome> {
  const run = reopenForExtension(store, runId, limits, 'interrupted');
  return executeStoredRun(store, run, listener, { backend });
}

/**
 * Deletes the checkpoint a completed or cancelled run keeps to be extended (~4× its parameters);
 * returns the bytes freed. Interrupted and failed runs keep theirs: it is what resumes them.
 */
export function discardTrainingState(store: Store, runId: number): number {
  const gone = store.write(() => {
    const run = getRun(store, runId);
    if (isUnfinished(run.status))
      throw new InputError(
        `run #${run.id} is ${run.status}; only a completed or cancelled run's state can be discarded`,
      );
    const a = findArtifact(store, { runId }, 'resume');
    if (!a) throw new InputError(`run #${run.id} keeps no training state`);
    unrecordArtifact(store, { runId }, 'resume');
    return a;
  });
  removeFiles([join(store.home, gone.path)]);
  return gone.bytes;
}

/** Discards every completed or cancelled run's kept state; returns how many and the bytes freed. */
export function discardAllTrainingStates(store: Store): { runs: number[]; freedBytes: number } {
  const finished = listRuns(store).filter(
    (r) => !isUnfinished(r.status) && findArtifact(store, { runId: r.id }, 'resume'),
  );
  const freedBytes = finished.reduce((sum, r) => sum + discardTrainingState(store, r.id), 0);
  return { runs: finished.map((r) => r.id), freedBytes };
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
