// How sure Table 3's spread is: the std over clusters of per-cluster mean test H@5 / N@5 moves
// with which users happen to be in each cluster, by ~√(p(1−p)/n) per cluster mean alone.

import { jStat } from 'jstat';
import { Rng } from '../data/rng';
import { populationSd } from './clusters';

/** Each draw's std over clusters of per-cluster mean test H@5 and N@5, for one run. */
export interface SpreadDraws {
  H5: Float64Array;
  N5: Float64Array;
}

/**
 * Stratified bootstrap of the cluster spread: each draw resamples every cluster's users with
 * replacement (its size kept: the clusters are given), and scores every run on the same resampled
 * users, so differences between runs are paired. Empty clusters are left out, as in Table 3.
 */
export function bootstrapSpread(
  labels: ArrayLike<number>,
  k: number,
  ranks: ArrayLike<number>[],
  draws: number,
  seed: number,
): SpreadDraws[] {
  const members: number[][] = Array.from({ length: k }, () => []);
  for (let u = 0; u < labels.length; u++) members[labels[u]].push(u);
  const filled = members.filter((m) => m.length > 0);
  // A user's hit and NDCG term at 5 under each run, looked up per resampled user.
  const hit = ranks.map((r) => Float64Array.from(r, (x) => (x <= 5 ? 1 : 0)));
  const gain = ranks.map((r) => Float64Array.from(r, (x) => (x <= 5 ? 1 / Math.log2(x + 1) : 0)));
  const out = ranks.map(() => ({ H5: new Float64Array(draws), N5: new Float64Array(draws) }));
  const rng = Rng.seeded(seed, 11);
  const meanH = ranks.map(() => new Float64Array(filled.length));
  const meanN = ranks.map(() => new Float64Array(filled.length));
  const sumH = new Float64Array(ranks.length);
  const sumN = new Float64Array(ranks.length);
  for (let b = 0; b < draws; b++) {
    filled.forEach((m, c) => {
      sumH.fill(0);
      sumN.fill(0);
      for (let i = 0; i < m.length; i++) {
        const u = m[rng.int(m.length)];
        for (let r = 0; r < ranks.length; r++) {
          sumH[r] += hit[r][u];
          sumN[r] += gain[r][u];
        }
      }
      for (let r = 0; r < ranks.length; r++) {
        meanH[r][c] = sumH[r] / m.length;
        meanN[r][c] = sumN[r] / m.length;
      }
    });
    for (let r = 0; r < ranks.length; r++) {
      out[r].H5[b] = populationSd(meanH[r]);
      out[r].N5[b] = populationSd(meanN[r]);
    }
  }
  return out;
}

/** The central `level` percentile interval of the values (linear between order statistics). */
export function percentileInterval(xs: ArrayLike<number>, level = 0.95): [number, number] {
  const values = Array.from(xs);
  return [jStat.percentile(values, (1 - level) / 2), jStat.percentile(values, (1 + level) / 2)];
}
