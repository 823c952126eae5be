import { jStat } from 'jstat';

export interface PairedT {
  /** Pairs compared. */
  n: number;
  /** Mean of a − b. */
  meanDiff: number;
  t: number;
  /** Two-sided p-value, Student's t with n − 1 degrees of freedom. */
  p: number;
}

/**
 * Paired t-test of a − b (the paper's test across seeds: pair i is seed i of both methods). Null
 * with fewer than two pairs, or when every difference is equal (no spread to test against).
 */
export function pairedTTest(a: number[], b: number[]): PairedT | null {
  const n = Math.min(a.length, b.length);
  if (n < 2) return null;
  const d = a.slice(0, n).map((x, i) => x - b[i]);
  const meanDiff = d.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - meanDiff) ** 2, 0) / (n - 1));
  if (!(sd > 1e-12 * Math.max(1, Math.abs(meanDiff)))) return null;
  const t = meanDiff / (sd / Math.sqrt(n));
  return { n, meanDiff, t, p: 2 * (1 - jStat.studentt.cdf(Math.abs(t), n - 1)) };
}
