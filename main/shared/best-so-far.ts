import type { LiveProgress } from '../contract';

/**
 * The epoch an unfinished run would report if it stopped now. The trainer's own rule
 * (main/engine/fit.ts): the first epoch with the highest validation H@5, so a later tie never
 * replaces it.
 */
export function bestSoFar<E extends { valid: { H5: number } }>(
  epochs: readonly E[],
): E | undefined {
  let best: E | undefined;
  for (const e of epochs) if (!best || e.valid.H5 > best.valid.H5) best = e;
  return best;
}

/** Epochs whose mean time paces an unfinished run (recent ones: the machine's load changes). */
export const PACE_EPOCHS = 5;

/** Best so far and pace after epoch `e` (epochs arrive in order; a resumed run restarts them). */
export function nextLive(
  live: LiveProgress | null,
  e: { epoch: number; valid: { H5: number }; trainSeconds: number; evalSeconds: number },
): LiveProgress {
  const secs = e.trainSeconds + e.evalSeconds;
  if (!live || e.epoch <= live.bestEpoch)
    return { bestEpoch: e.epoch, bestValidH5: e.valid.H5, secondsPerEpoch: secs };
  const pace = live.secondsPerEpoch + (secs - live.secondsPerEpoch) / PACE_EPOCHS;
  return e.valid.H5 > live.bestValidH5
    ? { bestEpoch: e.epoch, bestValidH5: e.valid.H5, secondsPerEpoch: pace }
    : { ...live, secondsPerEpoch: pace };
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
