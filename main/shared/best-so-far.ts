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
