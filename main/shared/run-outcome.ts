import { runDim, type RunInfo } from '../contract';

// How a run went, in the words every face shows: how long it took and why it stopped.

/** Seconds as "42 s", "7 min", "2.5 h". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** How long a run trained: start to end, or to now while it trains; null before it starts. */
export function runSeconds(
  r: Pick<RunInfo, 'startedAt' | 'finishedAt' | 'status'>,
  now = Date.now(),
): number | null {
  if (!r.startedAt) return null;
  const end = r.finishedAt ? Date.parse(r.finishedAt) : r.status === 'running' ? now : null;
  return end === null ? null : (end - Date.parse(r.startedAt)) / 1000;
}

type Stopped = Pick<RunInfo, 'status' | 'epochsRun' | 'bestEpoch' | 'error'> & {
  config: { maxEpochs: number; patience: number };
};

/**
 * Why a run ended: early stopping (its patience ran out after its best epoch), the epoch limit,
 * a cancel, a failure (its first line) or an interruption; null while it is queued or running.
 */
export function stopReason(r: Stopped): string | null {
  switch (r.status) {
    case 'completed':
      return r.epochsRun >= r.config.maxEpochs
        ? `epoch limit (${r.config.maxEpochs})`
        : `early stop at epoch ${r.epochsRun} (best ${(r.bestEpoch ?? 0) + 1}, patience ${r.config.patience})`;
    case 'cancelled':
      return `cancelled at epoch ${r.epochsRun}`;
    case 'interrupted':
      return `interrupted at epoch ${r.epochsRun} (resumable)`;
    case 'failed':
      return `failed: ${(r.error ?? 'unknown error').split('\n')[0]}`;
    default:
      return null;
  }
}

/** "200 → 20 · 8 TAs" for a distillation (its teacher's size first), the size of a base model. */
export function sizes(r: RunInfo, teacher: RunInfo | undefined): string {
  if (r.kind === 'train') return String(runDim(r));
  const tas = r.config.taDims?.length;
  return `${teacher ? runDim(teacher) : '?'} → ${runDim(r)}${tas ? ` · ${tas} TA${tas > 1 ? 's' : ''}` : ''}`;
}

/**
 * A completed run whose representations this home lacks (imported from a results-only bundle):
 * comparable, not to distil from until a replay trains them again.
 */
export const isResultsOnly = (r: Pick<RunInfo, 'status' | 'replayOf'>, files: { kind: string }[]) =>
  r.status === 'completed' && r.replayOf === null && !files.some((f) => f.kind === 'embeddings');
