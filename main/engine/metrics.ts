import type { Metrics } from '../contract';

/** METHOD.md §2: ranking of one held-out item against the user's candidates. */

/** `against` counts ties against the target (default); `list-order` lets the target win them. */
export type TiePolicy = 'against' | 'list-order';

export interface Ranks {
  /** 1-based rank of the test item among itself and the candidates (validation item removed). */
  test: Int32Array;
  /** 1-based rank of the validation item (test item removed). */
  valid: Int32Array;
}

/**
 * `scores` holds nUsers rows of [test, valid, c_1 … c_C]. A NaN never helps the held-out item:
 * a NaN candidate ranks ahead of it and a NaN held-out item ranks last, so a diverged model
 * scores H@K = 0, never 1.
 */
export function rankHeldOut(scores: Float32Array, nUsers: number, ties: TiePolicy): Ranks {
  const per = scores.length / nUsers;
  const test = new Int32Array(nUsers);
  const valid = new Int32Array(nUsers);
  const strict = ties === 'list-order';
  for (let u = 0; u < nUsers; u++) {
    const o = u * per;
    const st = scores[o];
    const sv = scores[o + 1];
    let rt = 1;
    let rv = 1;
    for (let j = o + 2; j < o + per; j++) {
      const s = scores[j];
      // s !== s: s is NaN.
      if (s !== s || (strict ? s > st : s >= st)) rt++;
      if (s !== s || (strict ? s > sv : s >= sv)) rv++;
    }
    test[u] = st !== st ? per - 1 : rt;
    valid[u] = sv !== sv ? per - 1 : rv;
  }
  return { test, valid };
}

export function hitAt(rank: number, k: number): number {
  return rank <= k ? 1 : 0;
}

export function ndcgAt(rank: number, k: number): number {
  return rank <= k ? 1 / Math.log2(rank + 1) : 0;
}

/** Mean of 1[p ≤ k] over users. */
export function hitRate(ranks: ArrayLike<number>, k: number): number {
  let s = 0;
  for (let u = 0; u < ranks.length; u++) s += hitAt(ranks[u], k);
  return s / ranks.length;
}

/** Mean of 1[p ≤ k] / log2(p + 1) over users (one relevant item, so the ideal DCG is 1). */
export function ndcg(ranks: ArrayLike<number>, k: number): number {
  let s = 0;
  for (let u = 0; u < ranks.length; u++) s += ndcgAt(ranks[u], k);
  return s / ranks.length;
}

export function metricsFromRanks(ranks: ArrayLike<number>): Metrics {
  return {
    H5: hitRate(ranks, 5),
    N5: ndcg(ranks, 5),
    H10: hitRate(ranks, 10),
    N10: ndcg(ranks, 10),
    H20: hitRate(ranks, 20),
    N20: ndcg(ranks, 20),
  };
}
