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
