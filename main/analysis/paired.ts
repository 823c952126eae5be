import type { PairedComparison } from '../contract';

/** log(n!) by summation (n is at most the number of users). */
function logFactorials(n: number): Float64Array {
  const f = new Float64Array(n + 1);
  for (let k = 2; k <= n; k++) f[k] = f[k - 1] + Math.log(k);
  return f;
}

/**
 * Exact two-sided McNemar test: under H0 the b discordant pairs favouring A and c favouring B are
 * Binomial(b + c, ½); p = P(X ≤ min) + P(X ≥ max), capped at 1.
 */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const lf = logFactorials(n);
  const pmf = (k: number) => Math.exp(lf[n] - lf[k] - lf[n - k] - n * Math.LN2);
  const lo = Math.min(b, c);
  let tail = 0;
  for (let k = 0; k <= lo; k++) tail += pmf(k);
  return Math.min(1, 2 * tail);
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496735) * t + 0.254829592) *
      t *
      Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

/**
 * Compares two runs on the same split user by user, from the 1-based ranks of each user's
 * held-out item: McNemar on hits@k, a paired z-test on NDCG@k.
 */
export function pairedComparison(
  ranksA: ArrayLike<number>,
  ranksB: ArrayLike<number>,
  k: number,
): PairedComparison {
  if (ranksA.length !== ranksB.length) throw new Error('the runs rank different user sets');
  const n = ranksA.length;
  let hitA = 0;
  let hitB = 0;
  let onlyA = 0;
  let onlyB = 0;
  let sumA = 0;
  let sumB = 0;
  const diffs = new Float64Array(n);
  const ndcg = (r: number) => (r <= k ? 1 / Math.log2(r + 1) : 0);
  for (let u = 0; u < n; u++) {
    const a = ranksA[u] <= k;
    const b = ranksB[u] <= k;
    hitA += +a;
    hitB += +b;
    if (a && !b) onlyA++;
    if (b && !a) onlyB++;
    const na = ndcg(ranksA[u]);
    const nb = ndcg(ranksB[u]);
    sumA += na;
    sumB += nb;
    diffs[u] = na - nb;
  }
  const mean = (sumA - sumB) / n;
  let ss = 0;
  for (const d of diffs) ss += (d - mean) ** 2;
  const se = Math.sqrt(ss / (n - 1) / n);
  const z = se > 0 ? mean / se : 0;
  return {
    users: n,
    k,
    hitA: hitA / n,
    hitB: hitB / n,
    onlyA,
    onlyB,
    mcnemarP: mcnemarExact(onlyA, onlyB),
    ndcgA: sumA / n,
    ndcgB: sumB / n,
    ndcgZ: z,
    ndcgP: se > 0 ? 2 * (1 - normalCdf(Math.abs(z))) : 1,
  };
}
