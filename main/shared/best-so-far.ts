import type { EarlyStopRule, LiveProgress, Metrics } from '../contract';
import { replaySelection, WATCHED_HITS } from './model-selection';

/**
 * The epoch an unfinished run would report if it stopped now, by its early-stopping rule (the
 * trainer's, main/engine/fit.ts): under `h5` the first epoch with the highest validation H@5;
 * under `any` the last epoch that bettered some K, with each K's metrics from its own best.
 */
export function bestSoFar(
  epochs: readonly { epoch: number; valid: Metrics; test: Metrics }[],
  rule: EarlyStopRule = 'h5',
): { epoch: number; valid: Metrics; test: Metrics } | undefined {
  if (epochs.length === 0) return undefined;
  const sel = replaySelection(rule, epochs);
  return { epoch: sel.bestEpoch, ...sel.report };
}

/** Epochs whose mean time paces an unfinished run (recent ones: the machine's load changes). */
export const PACE_EPOCHS = 5;

/**
 * Best so far and pace after epoch `e` (epochs arrive in order; a resumed run restarts them).
 * `rule`: what resets its patience (H@10 and H@20 count under `any` only).
 */
export function nextLive(
  live: LiveProgress | null,
  e: {
    epoch: number;
    valid: { H5: number; H10?: number; H20?: number };
    trainSeconds: number;
    evalSeconds: number;
  },
  rule: EarlyStopRule = 'h5',
): LiveProgress {
  const secs = e.trainSeconds + e.evalSeconds;
  const hits = {
    bestValidH5: e.valid.H5,
    bestValidH10: e.valid.H10 ?? 0,
    bestValidH20: e.valid.H20 ?? 0,
  };
  if (!live || e.epoch <= live.bestEpoch)
    return { bestEpoch: e.epoch, ...hits, secondsPerEpoch: secs };
  const pace = live.secondsPerEpoch + (secs - live.secondsPerEpoch) / PACE_EPOCHS;
  const improved = WATCHED_HITS[rule].some((h) => hits[`bestValid${h}`] > live[`bestValid${h}`]);
  const top = {
    bestValidH5: Math.max(live.bestValidH5, hits.bestValidH5),
    bestValidH10: Math.max(live.bestValidH10, hits.bestValidH10),
    bestValidH20: Math.max(live.bestValidH20, hits.bestValidH20),
  };
  return { ...live, ...top, ...(improved ? { bestEpoch: e.epoch } : {}), secondsPerEpoch: pace };
}

/**
 * Where an unfinished run stops if it finds no better epoch: its patience after its best, or its
 * epoch limit; and the seconds until then at its recent pace.
 */
export function earliestStop(run: {
  epochsRun: number;
  config: { maxEpochs: number; patience: number };
  live: LiveProgress | null;
}): { epoch: number; seconds: number | null } {
  const { maxEpochs, patience } = run.config;
  const best = run.live?.bestEpoch ?? -1;
  const epoch = Math.min(maxEpochs, best + 1 + patience);
  const left = Math.max(0, epoch - run.epochsRun);
  return { epoch, seconds: run.live ? left * run.live.secondsPerEpoch : null };
}
