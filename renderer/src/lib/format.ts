export const fmt = (x: number | null | undefined, digits = 4): string =>
  x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits);

export const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${seconds.toFixed(0)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(0)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export const bytes = (n: number): string =>
  n < 1024
    ? `${n} B`
    : n < 1024 ** 2
      ? `${(n / 1024).toFixed(0)} kB`
      : `${(n / 1024 ** 2).toFixed(1)} MB`;
