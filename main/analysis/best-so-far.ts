import type { RunStatus } from '../contract';

/**
 * A completed or cancelled run reports its summary. Any other (training, waiting to resume, failed,
 * or trained further after it finished) has only its epochs so far; an old summary is stale.
 */
export const isUnfinished = (status: RunStatus): boolean =>
  status !== 'completed' && status !== 'cancelled';

/**
 * The epoch an unfinished run would report if it stopped now. The trainer's own rule
 * (main/engine/trainer.ts): the first epoch with the highest validation H@5, so a later tie never
 * replaces it.
 */
export function bestSoFar<E extends { valid: { H5: number } }>(
  epochs: readonly E[],
): E | undefined {
  let best: E | undefined;
  for (const e of epochs) if (!best || e.valid.H5 > best.valid.H5) best = e;
  return best;
}
