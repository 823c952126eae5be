import type { MeanSd } from '../contract';

/** Mean and sample standard deviation (n − 1, as over seeds); sd is null below two values. */
export function meanSd(xs: number[]): MeanSd {
  const n = xs.length;
  if (n === 0) return { mean: null, sd: null, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, sd: null, n };
  const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(ss / (n - 1)), n };
}
