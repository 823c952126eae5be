import type { ArtifactFile } from '../store/artifact-file';
import { recordArtifact } from '../store/artifacts';
import { commitCheckpoint } from '../store/checkpoints';
import type { Store } from '../store/db';
import { endRunAbnormally } from '../store/queue';
import {
  cancelRun,
  dropEpochsPastEnd,
  failRun,
  finishRun,
  markRunning,
  recordEpoch,
  rewindEpochs,
} from '../store/runs';
import type { EpochInfo, RunSummary } from '../contract';
import type { NewSplit } from '../store/split-file';
import { recordSplit } from '../store/splits';
import { foldIfReplay } from '../store/run-replay';

/**
 * What a trainer reports about its run. A trainer writes only its own files; the process that
 * owns the store applies these in order (`applyRunEvent`), so it stays the single writer whether
 * the trainer is itself (the CLI) or a child process (the app and browser mode).
 */
export type RunEvent =
  | {
      type: 'started';
      runId: number;
      split: { splitId: number } | { created: NewSplit };
      backend: string;
      device: string;
      pid: number;
      /** Epoch records from this one on are recomputed (resuming from an earlier checkpoint). */
      fromEpoch: number;
    }
  /** Within-epoch progress; not stored, only forwarded to whoever watches. */
  | { type: 'progress'; runId: number; epoch: number; batch: number; batches: number }
  | { type: 'epoch'; runId: number; record: EpochInfo }
  | { type: 'checkpoint'; runId: number; file: ArtifactFile }
  | {
      type: 'finished';
      runId: number;
      status: 'completed' | 'cancelled';
      summary: RunSummary;
      trainSecondsPerEpoch: number;
      evalSecondsPerEpoch: number;
      files: ArtifactFile[];
    }
  /** Cancelled before any epoch finished: nothing to summarise. */
  | { type: 'stopped'; runId: number }
  | { type: 'failed'; runId: number; error: string; resumable?: boolean };

export type RunSink = (e: RunEvent) => void;

/** Applies one trainer report to the store, each in one transaction. */
export function applyRunEvent(store: Store, e: RunEvent): void {
  switch (e.type) {
    case 'started': {
      const splitId = 'splitId' in e.split ? e.split.splitId : recordSplit(store, e.split.created);
      store.write(() => {
        markRunning(store, e.runId, {
          splitId,
          backend: e.backend,
          device: e.device,
          pid: e.pid,
        });
        rewindEpochs(store, e.runId, e.fromEpoch);
      });
      return;
    }
    case 'progress':
      return;
    case 'epoch':
      return recordEpoch(store, e.runId, e.record);
    case 'checkpoint':
      return commitCheckpoint(store, e.runId, e.file);
    case 'finished': {
      // The last checkpoint stays: it is what `extendRun` continues from.
      store.write(() => {
        for (const f of e.files) recordArtifact(store, { runId: e.runId }, f);
        finishRun(store, e.runId, e);
        dropEpochsPastEnd(store, e.runId);
      });
      if (e.status === 'completed') foldIfReplay(store, e.runId);
      return;
    }
    case 'stopped':
      return store.write(() => {
        cancelRun(store, e.runId);
        dropEpochsPastEnd(store, e.runId);
      });
    case 'failed':
      // A write that failed (disk full) is no fault of the run: it resumes once there is space.
      if (e.resumable) return endRunAbnormally(store, e.runId, 'interrupted', e.error, '');
      return failRun(store, e.runId, e.error);
  }
}

/** A sink that applies events to the store at once (a trainer that owns the store). */
export const storeSink =
  (store: Store): RunSink =>
  (e) =>
    applyRunEvent(store, e);
