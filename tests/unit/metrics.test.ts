import { describe, expect, it } from 'vitest';
import {
  hitAt,
  hitRate,
  metricsFromRanks,
  ndcg,
  ndcgAt,
  rankHeldOut,
} from '../../main/engine/metrics';
import { expectClose, G } from '../support/golden';

describe('ranking against sampled candidates (METHOD.md §2)', () => {
  it('ranks by hand: test drops valid, valid drops test, ties counted against the target', () => {
    // Rows: [test, valid, c1, c2, c3]
    const scores = Float32Array.from(
      [
        [5, 1, 4, 3, 2], // test first; valid last
        [2, 9, 2, 7, 1], // test ties c1 → rank 3 (against) / 2 (list order)
        [0, 0, 0, 0, 0], // all equal
      ].flat(),
    );
    const against = rankHeldOut(scores, 3, 'against');
    expect(Array.from(against.test)).toEqual([1, 3, 4]);
    expect(Array.from(against.valid)).toEqual([4, 1, 4]);
    const listOrder = rankHeldOut(scores, 3, 'list-order');
    expect(Array.from(listOrder.test)).toEqual([1, 2, 1]);
    expect(Array.from(listOrder.valid)).toEqual([4, 1, 1]);
  });

  it('never lets a NaN score help the held-out item', () => {
    const scores = Float32Array.from(
      [
        [NaN, 1, 4, 3, 2], // a NaN test item ranks last; valid still ranks among numbers
        [5, 9, NaN, 7, 1], // a NaN candidate ranks ahead of both
        [NaN, NaN, NaN, NaN, NaN], // a model that diverged everywhere
      ].flat(),
    );
    for (const ties of ['against', 'list-order'] as const) {
      const r = rankHeldOut(scores, 3, ties);
      expect(Array.from(r.test)).toEqual([4, 3, 4]);
      expect(Array.from(r.valid)).toEqual([4, 2, 4]);
    }
  });

  it('computes H@K and N@K by hand', () => {
    expect(hitAt(5, 5)).toBe(1);
    expect(hitAt(6, 5)).toBe(0);
    expect(ndcgAt(1, 5)).toBe(1);
    expect(ndcgAt(3, 5)).toBeCloseTo(0.5, 15);
    expect(ndcgAt(6, 5)).toBe(0);
    const m = metricsFromRanks(Int32Array.from([1, 3, 7, 15, 40]));
    expect(m.H5).toBeCloseTo(2 / 5, 15);
    expect(m.H10).toBeCloseTo(3 / 5, 15);
    expect(m.H20).toBeCloseTo(4 / 5, 15);
    expect(m.N5).toBeCloseTo((1 + 0.5) / 5, 15);
    expect(m.N10).toBeCloseTo((1 + 0.5 + 1 / 3) / 5, 15);
    expect(m.N20).toBeCloseTo((1 + 0.5 + 1 / 3 + 1 / 4) / 5, 15);
  });

  for (const policy of ['ties_against', 'list_order'] as const) {
    it(`matches the golden ranks and metrics (${policy})`, () => {
      const c = G.cases.metrics;
      const scores = Float32Array.from((c.scores as number[][]).flat());
      const r = rankHeldOut(
        scores,
        c.scores.length,
        policy === 'ties_against' ? 'against' : 'list-order',
      );
      for (const [set, ranks] of [
        ['test', r.test],
        ['valid', r.valid],
      ] as const) {
        const gold = c[policy][set];
        expect(Array.from(ranks)).toEqual(gold.rank);
        for (const k of c.ks as number[]) {
          expect(Array.from(ranks, (p) => hitAt(p, k))).toEqual(gold.hit[k]);
          expectClose(
            Array.from(ranks, (p) => ndcgAt(p, k)),
            gold.ndcg[k],
            1e-12,
            1e-12,
          );
          expect(hitRate(ranks, k)).toBeCloseTo(gold.H[k], 12);
          expect(ndcg(ranks, k)).toBeCloseTo(gold.N[k], 12);
        }
      }
    });
  }
});
