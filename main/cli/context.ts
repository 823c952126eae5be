import { InvalidArgumentError } from 'commander';
import type { ApiError, Op, Request, Responses } from '../contract';
import type { TrainListener } from '../ops/execute';
import type { Store } from '../store/db';
import type { Io } from './program';
import { ProgressLine } from './progress';

/** What every command needs: output, the store (opened lazily), and run progress. */
export interface CliContext {
  io: Io;
  openStore(): Store;
  /** An operation through the API every face shares; a refusal is thrown as an ApiCallError. */
  call<K extends Op>(op: K, request: Request<K>): Promise<Responses[K]>;
  /** Prints `value` as one JSON document, or the text form. */
  emit(json: boolean, value: unknown, text: () => string): void;
  /**
   * A run named on the command line — id, uid or label (ops/run-ref.ts: `findRun`) — as its id.
   * Throws an InputError (printed, exit code 2) for a name that fits no run.
   */
  runId(text: string): number;
  /** Runs a training with a progress line and Ctrl-C cancellation. */
  withProgress<T>(json: boolean | undefined, f: (l: TrainListener) => Promise<T>): Promise<T>;
}

/** What the API refused, with its kind (`invalid`, `not-found`, …) for the exit code and `--json`. */
export class ApiCallError extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
    this.name = 'ApiCallError';
  }
}

export function intArg(name: string, min = 0) {
  return (v: string): number => {
    if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError(`'${v}' is not an integer`);
    const n = Number(v);
    if (n < min) throw new InvalidArgumentError(`${name} must be ≥ ${min}`);
    return n;
  };
}

/** `a, b,,c` → ['a', 'b', 'c']. */
export function listArg(v: string): string[] {
  return v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

export function numArg(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`'${v}' is not a number`);
  return n;
}

/** Progress on stderr and Ctrl-C handling around one training; reports whether it was cancelled. */
export function progressRunner(io: Io, onCancelled: () => void): CliContext['withProgress'] {
  return async (json, f) => {
    const progress = new ProgressLine(io, !json);
    let stopRequested = false;
    const unsubscribe = io.onInterrupt?.(() => {
      if (stopRequested) {
        io.err('\nstopped; the run is interrupted and resumes with `hkd runs resume <id>`');
        io.abort?.();
      }
      stopRequested = true;
      io.err(
        '\ncancelling at the next batch and keeping the best epoch so far (Ctrl-C again to stop at once)',
      );
    });
    try {
      return await f({
        shouldStop: () => stopRequested,
        onStart: (s) =>
          progress.start(
            s.runId,
            `${s.backend.name} · ${s.backend.device}${s.label ? ` · ${s.label}` : ''}`,
            s.maxEpochs,
            s.patience,
          ),
        onEpoch: (e) => progress.epoch(e),
        onBatch: (epoch, batch, batches) => progress.batch(epoch, batch, batches),
      });
    } finally {
      unsubscribe?.();
      progress.done();
      if (stopRequested) onCancelled();
    }
  };
}
