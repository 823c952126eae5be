import type { BackendChoice, RunInfo } from '../contract';
import { InputError } from '../errors';
import type { Store } from '../store/db';
import { addDependencies } from '../store/queue';
import { awaitedReplays, insertReplay, pendingReplay } from '../store/run-replay';
import { getRun, nextRunId } from '../store/runs';
import { reapInterrupted } from '../store/run-processes';
import type { TrainListener, TrainOutcome } from './execute';
import { executeStoredRun } from './resume';
import { sourcesOf } from './run-sources';

// A recorded run trained again, to give it back the files a results-only bundle leaves out (its
// representations, parameters and checkpoint) — or to check that this machine reproduces it.
// Every epoch must equal the recorded one (replay-check.ts); then the replay is folded into the
// recorded run (store/run-replay.ts), which keeps its id, uid and result, and gains the files.

/**
 * Creates, as `status`, a replay of completed run `id`: a run with its configuration, seed and
 * sources. A distillation's sources must have their representations here or be being replayed
 * (it then waits for their replays).
 */
export function replayRun(store: Store, id: number, status: 'queued' | 'interrupted'): RunInfo {
  reapInterrupted(store);
  return store.write(() => {
    const source = getRun(store, id);
    if (source.replayOf !== null)
      throw new InputError(`run #${id} is itself a replay of run #${source.replayOf}`);
    if (source.status !== 'completed')
      throw new InputError(`run #${id} is ${source.status}: only a completed run can be replayed`);
    const twin = pendingReplay(store, id);
    if (twin)
      throw new InputError(
        `run #${id} is already being replayed by run #${twin.id} (${twin.status})`,
      );
    const waitFor = awaitedReplays(
      store,
      sourcesOf(source).map((s) => getRun(store, s)),
    );
    const replayId = nextRunId(store);
    insertReplay(store, id, replayId, {
      label: `${source.label ?? `run #${id}`} (replay)`.slice(0, 200),
      status,
    });
    addDependencies(store, replayId, waitFor);
    return getRun(store, replayId);
  });
}

/** Replays run `id` in this process; the outcome is the recorded run, with its files. */
export async function replayAndTrain(
  store: Store,
  id: number,
  listener: TrainListener = {},
  backend?: BackendChoice,
): Promise<TrainOutcome> {
  return executeStoredRun(store, replayRun(store, id, 'interrupted'), listener, { backend });
}
