export const fmt = (x: number | null | undefined, digits = 4): string =>
  x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits);

export const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export { duration } from '../../../main/shared/run-outcome';

export const bytes = (n: number): string =>
  n < 1024
    ? `${n} B`
    : n < 1024 ** 2
      ? `${(n / 1024).toFixed(0)} kB`
      : `${(n / 1024 ** 2).toFixed(1)} MB`;

/** A stored UTC time as local "YYYY-MM-DD hh:mm" (seconds too when asked). */
export const localTime = (iso: string, seconds = false): string =>
  new Date(iso).toLocaleString('sv-SE').slice(0, seconds ? 19 : 16);

/** "epoch 6 · batch 3/10", then "epoch 6 · evaluating" once its last batch is done. */
export function progressText(
  r: { epochsRun: number },
  p: { epoch: number; batch: number; batches: number } | undefined,
  last: number,
): string {
  const epoch = `epoch ${Math.min(r.epochsRun + 1, last)}`;
  if (!p || p.epoch !== r.epochsRun) return epoch;
  return p.batch >= p.batches
    ? `${epoch} · evaluating`
    : `${epoch} · batch ${p.batch}/${p.batches}`;
}
