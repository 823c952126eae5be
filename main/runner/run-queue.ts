import type { Progress, RunInfo } from '../contract';
import { cancelRunningRun, reopenForExtension, type ExtensionLimits } from '../ops/resume';
import type { Store } from '../store/db';
import { cancelQueuedRun, requeueRun } from '../store/queue';
import { getRun } from '../store/runs';
import { getSetting, setSetting } from '../store/settings';
import type { RunnerEvent } from './runner';

/** What the API asks of the queue, whether this process trains its runs or not. */
export interface RunQueue {
  readonly concurrency: number;
  setConcurrency(n: number): void;
  /** Ids of the runs this process's trainers are executing. */
  readonly activeRuns: number[];
  readonly storageProblem: string | undefined;
  progressOf(id: number): Progress | null;
  /** Call after queueing runs. */
  schedule(): void;
  cancel(id: number): RunInfo;
  resume(id: number): RunInfo;
  extend(id: number, limits: ExtensionLimits): RunInfo;
  subscribe(f: (e: RunnerEvent) => void): () => void;
}

const CONCURRENCY_KEY = 'queue.concurrency';

/** How many runs train at once, kept in the store for every process that trains them. */
export const storedConcurrency = (store: Store): number => getSetting(store, CONCURRENCY_KEY, 1);
export const setStoredConcurrency = (store: Store, n: number): void =>
  setSetting(store, CONCURRENCY_KEY, n);

/**
 * The queue as the store holds it, for a face that trains nothing itself (the CLI): what it
 * queues, resumes or extends starts in whichever process trains — an open workbench notices at
 * once, `hkd queue` drains it — and a running run is asked to stop as Ctrl-C would.
 */
export class StoreQueue implements RunQueue {
  readonly activeRuns: number[] = [];
  readonly storageProblem = undefined;

  constructor(private readonly store: Store) {}

  get concurrency(): number {
    return storedConcurrency(this.store);
  }

  setConcurrency(n: number): void {
    setStoredConcurrency(this.store, n);
  }

  progressOf(): Progress | null {
    return null;
  }

  schedule(): void {}

  cancel(id: number): RunInfo {
    if (!cancelQueuedRun(this.store, id)) cancelRunningRun(this.store, id);
    return getRun(this.store, id);
  }

  resume(id: number): RunInfo {
    return requeueRun(this.store, id);
  }

  extend(id: number, limits: ExtensionLimits): RunInfo {
    return reopenForExtension(this.store, id, limits, 'queued');
  }

  subscribe(): () => void {
    return () => {};
  }
}
