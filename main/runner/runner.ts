import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import type { Progress, RunInfo } from '../contract';
import { StorageError, storageError } from '../errors';
import {
  cancelRunningRun,
  planStoredRun,
  reopenForExtension,
  type ExtensionLimits,
} from '../ops/resume';
import { applyRunEvent, type RunEvent } from './run-events';
import { setStoredConcurrency, storedConcurrency, type RunQueue } from './run-queue';
import { removeTempFilesOf } from '../store/array-file';
import type { Store } from '../store/db';
import {
  cancelQueuedRun,
  claimNextRun,
  endRunAbnormally,
  failBlockedRuns,
  requeueRun,
  setLastOutput,
} from '../store/queue';
import { findRun, getRun } from '../store/runs';
import { reapInterrupted } from '../store/run-processes';
import {
  trainerArgs,
  trainerThreads,
  type LaunchTrainer,
  type TrainerProcess,
} from './trainer-protocol';

/** What the runner tells the faces: run rows when their status changes, epochs, progress. */
export type RunnerEvent =
  | { type: 'run'; run: RunInfo }
  | { type: 'removed'; ids: number[] }
  | Extract<RunEvent, { type: 'epoch' | 'progress' }>
  /** The store could not be written (or, with null, can be again). */
  | { type: 'storage'; problem: string | null };

export interface RunnerOptions {
  launch: LaunchTrainer;
  /** How long a cancelled trainer may take to stop before it is killed. */
  graceMs?: number;
  /** Kept output of a trainer, to explain a failure. */
  outputChars?: number;
}

interface Active {
  proc: TrainerProcess;
  output: string;
  cancelRequested: boolean;
  killTimer?: NodeJS.Timeout;
  /** The store refused its reports: it was stopped, and is interrupted, not failed. */
  storageFailure?: string;
  /** The run it replays, if it is a replay: its record once the replay is folded into it. */
  replayOf: number | null;
}

/** How often writes the store refused are tried again. */
const STORAGE_RETRY_MS = 5_000;

/**
 * The queue: starts queued runs whose dependencies have completed, up to the configured number at
 * once, each in its own trainer process, and is the single writer of what the trainers report.
 * The queue lives in the store, so a new runner continues where the last one stopped.
 */
export class Runner implements RunQueue {
  private readonly active = new Map<number, Active>();
  private readonly listeners = new Set<(e: RunnerEvent) => void>();
  private readonly graceMs: number;
  private readonly outputChars: number;
  private stopped = false;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly progress = new Map<number, Progress>();
  /** Writes the store refused (disk full); retried before anything new starts. */
  private readonly unwritten: (() => void)[] = [];
  private problem: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly opts: RunnerOptions,
  ) {
    this.graceMs = opts.graceMs ?? 30_000;
    this.outputChars = opts.outputChars ?? 8_000;
  }

  /** Marks runs whose process died as interrupted and starts what can start. */
  start(): void {
    for (const id of reapInterrupted(this.store)) this.emitRun(id);
    this.schedule();
  }

  subscribe(f: (e: RunnerEvent) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  get concurrency(): number {
    return storedConcurrency(this.store);
  }

  setConcurrency(n: number): void {
    setStoredConcurrency(this.store, n);
    this.schedule();
  }

  /** Where each active run is within its epoch, for a face that (re)connects. */
  progressOf(id: number): Progress | null {
    const p = this.progress.get(id);
    return p ? { epoch: p.epoch, batch: p.batch, batches: p.batches } : null;
  }

  /** Ids of the runs this runner's trainers are executing. */
  get activeRuns(): number[] {
    return [...this.active.keys()];
  }

  /**
   * Why the store cannot be written (disk full, read-only), while that lasts: the runs it could
   * not record stay running under a dead process and are found interrupted, resumable.
   */
  get storageProblem(): string | undefined {
    return this.problem;
  }

  /** Call after queueing runs. */
  schedule(): void {
    if (this.stopped) return;
    this.guard(() => {
      this.flushUnwritten();
      for (const id of failBlockedRuns(this.store)) this.emitRun(id);
      while (this.active.size < this.concurrency) {
        const run = claimNextRun(this.store, process.pid);
        if (!run) break;
        this.launch(run);
      }
    });
    if (this.active.size === 0) for (const f of this.idleWaiters.splice(0)) f();
  }

  /**
   * Runs `f`; a write the store refuses for want of space (or any storage failure) is kept to
   * retry, and nothing new starts until it succeeds, rather than ending the process.
   */
  private guard(f: () => void, retry?: () => void): void {
    try {
      f();
    } catch (e) {
      const err = storageError(e, this.store.dbPath);
      if (!(err instanceof StorageError)) throw e;
      if (retry) this.unwritten.push(retry);
      this.storageFailed(err);
    }
  }

  private storageFailed(err: StorageError): void {
    if (this.problem !== err.message) {
      this.problem = err.message;
      this.emit({ type: 'storage', problem: err.message });
    }
    this.retryTimer ??= setInterval(() => this.schedule(), STORAGE_RETRY_MS).unref();
  }

  private flushUnwritten(): void {
    while (this.unwritten.length > 0) {
      this.unwritten[0]();
      this.unwritten.shift();
    }
    if (this.problem !== undefined) {
      this.problem = undefined;
      clearInterval(this.retryTimer);
      this.retryTimer = undefined;
      this.emit({ type: 'storage', problem: null });
    }
  }

  /** Resolves once no run is active and none that can start is queued. */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.schedule();
    });
  }

  /**
   * A queued run is cancelled at once; a running one stops at its next batch boundary (keeping
   * its best epoch), and is killed if it has not stopped after the grace period.
   */
  cancel(id: number): RunInfo {
    if (cancelQueuedRun(this.store, id)) {
      this.emitRun(id);
      this.schedule();
      return getRun(this.store, id);
    }
    const a = this.active.get(id);
    if (a && !a.cancelRequested) {
      a.cancelRequested = true;
      a.proc.send({ type: 'cancel' });
      a.killTimer = setTimeout(() => a.proc.kill(), this.graceMs);
    } else if (!a) {
      // Trained by another process (`hkd train` in a terminal): ask it as Ctrl-C would.
      cancelRunningRun(this.store, id);
    }
    return getRun(this.store, id);
  }

  /** Queues an interrupted or failed run again; it continues from its last checkpoint. */
  resume(id: number): RunInfo {
    const run = requeueRun(this.store, id);
    this.emitRun(id);
    this.schedule();
    return run;
  }

  /** Queues a completed or cancelled run under larger limits; it continues from its last state. */
  extend(id: number, limits: ExtensionLimits): RunInfo {
    const run = reopenForExtension(this.store, id, limits, 'queued');
    this.emitRun(id);
    this.schedule();
    return run;
  }

  /**
   * Stops starting runs; running trainers are killed and their runs left interrupted, with
   * `reason` as their error.
   */
  stop(reason = 'the app stopped'): void {
    this.stopped = true;
    clearInterval(this.retryTimer);
    for (const [id, a] of this.active) {
      clearTimeout(a.killTimer);
      a.proc.kill();
      this.guard(() => endRunAbnormally(this.store, id, 'interrupted', reason, a.output));
    }
    this.active.clear();
  }

  private launch(run: RunInfo): void {
    let proc: TrainerProcess;
    try {
      proc = this.opts.launch(
        trainerArgs(
          planStoredRun(this.store, run),
          trainerThreads(this.concurrency, availableParallelism()),
        ),
      );
    } catch (e) {
      const end = () =>
        endRunAbnormally(this.store, run.id, 'failed', `could not start a trainer: ${e}`, '');
      this.guard(end, end);
      this.emitRun(run.id);
      return;
    }
    const a: Active = { proc, output: '', cancelRequested: false, replayOf: run.replayOf };
    this.active.set(run.id, a);
    this.emitRun(run.id);
    proc.onOutput((text) => {
      a.output = (a.output + text).slice(-this.outputChars);
    });
    proc.onMessage((m) => this.onTrainerEvent(m));
    proc.onExit((code, signal) => this.onTrainerExit(run.id, a, code, signal));
  }

  private onTrainerEvent(e: RunEvent): void {
    const a = this.active.get(e.runId);
    if (!a) return;
    try {
      applyRunEvent(this.store, e);
    } catch (caught) {
      // A report the store rejects is a bug in the trainer, or the disk is full: either way stop
      // it rather than go on with records missing (it resumes from its last recorded checkpoint).
      const err = storageError(caught, this.store.dbPath);
      a.output += `\nrunner: could not record ${e.type}: ${err instanceof Error ? err.message : err}`;
      a.proc.kill();
      if (err instanceof StorageError) {
        a.storageFailure = err.message;
        this.storageFailed(err);
      }
      return;
    }
    if (e.type === 'progress') this.progress.set(e.runId, e);
    if (e.type === 'epoch' || e.type === 'progress') this.emit(e);
    else if (a.replayOf !== null && !findRun(this.store, e.runId)) {
      // A completed replay is folded into the run it replays (ops/replay.ts): that run changed.
      this.emit({ type: 'removed', ids: [e.runId] });
      this.emitRun(a.replayOf);
    } else if (e.type !== 'checkpoint') this.emitRun(e.runId);
  }

  private onTrainerExit(id: number, a: Active, code: number | null, signal: string | null): void {
    clearTimeout(a.killTimer);
    // A trainer killed while writing a checkpoint leaves its temporary file.
    removeTempFilesOf(join(this.store.home, 'runs', String(id)), a.proc.pid);
    this.active.delete(id);
    this.progress.delete(id);
    if (this.stopped) return;
    const run = findRun(this.store, id);
    if (!run) return this.schedule();
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    let end: (() => void) | undefined;
    if (run.status === 'running') {
      // It ended without reporting an end: killed after a cancel, crashed, failed early, or
      // stopped because the store could not record it (resumable once there is space).
      const [status, error]: [Parameters<typeof endRunAbnormally>[2], string] = a.storageFailure
        ? ['interrupted', a.storageFailure]
        : a.cancelRequested
          ? ['cancelled', `killed after ${this.graceMs} ms`]
          : signal
            ? ['interrupted', `trainer ended by ${how}`]
            : ['failed', errorLine(a.output) ?? how];
      end = () => endRunAbnormally(this.store, id, status, error, a.output);
    } else if (run.status === 'failed' || run.status === 'interrupted') {
      end = () => setLastOutput(this.store, id, a.output);
    }
    if (end) this.guard(end, end);
    if (run.status === 'running') this.emitRun(id);
    this.schedule();
  }

  private emitRun(id: number): void {
    this.emit({ type: 'run', run: getRun(this.store, id) });
  }

  private emit(e: RunnerEvent): void {
    for (const f of this.listeners) f(e);
  }
}

/** The error a trainer printed before it could report its run started (see trainer.ts). */
function errorLine(text: string): string | undefined {
  const lines = text.split('\n').filter((l) => l.startsWith('error: '));
  return lines.length > 0 ? lines[lines.length - 1].slice('error: '.length) : undefined;
}
