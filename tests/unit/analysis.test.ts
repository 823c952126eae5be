import { describe, expect, it } from 'vitest';
import {
  collapseCheck,
  dominantByActivity,
  dominantTas,
  entropies,
  histogram,
  meanWeights,
} from '../../main/analysis/gates';
import { mcnemarExact, normalCdf, pairedComparison } from '../../main/analysis/paired';

describe('paired comparison', () => {
  it('McNemar exact p-values by hand', () => {
    expect(mcnemarExact(3, 0)).toBeCloseTo(2 / 8, 12);
    expect(mcnemarExact(5, 1)).toBeCloseTo(14 / 64, 12);
    expect(mcnemarExact(4, 4)).toBe(1);
    expect(mcnemarExact(0, 0)).toBe(1);
  });

  it('normal CDF', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
  });

  it('hits, discordant pairs and NDCG from ranks', () => {
    const p = pairedComparison([1, 2, 6, 10], [3, 7, 1, 20], 5);
    expect(p).toMatchObject({ users: 4, hitA: 0.5, hitB: 0.5, onlyA: 1, onlyB: 1, mcnemarP: 1 });
    expect(p.ndcgA).toBeCloseTo((1 + 1 / Math.log2(3)) / 4, 12);
    expect(p.ndcgB).toBeCloseTo((0.5 + 1) / 4, 12);
  });
});

describe('gate statistics', () => {
  const g = { n: 3, m: 2, weights: Float32Array.from([0.5, 0.5, 0.9, 0.1, 0.2, 0.8]) };
  it('entropy, dominant TA, mean weights, histogram', () => {
    const h = entropies(g);
    expect(h[0]).toBeCloseTo(Math.log(2), 6);
    expect(h[1]).toBeCloseTo(-(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1)), 6);
    expect(Array.from(dominantTas(g))).toEqual([0, 0, 1]);
    expect(meanWeights(g)[0]).toBeCloseTo(1.6 / 3, 6);
    expect(histogram([0, 0.5, 1], 1, 2)).toEqual([1, 2]);
  });

  it('dominant TA by activity bins', () => {
    const rows = dominantByActivity(Int32Array.from([0, 1, 1]), Int32Array.from([1, 5, 6]), 2);
    expect(rows).toEqual([
      { from: 1, to: 1, counts: [1, 0] },
      { from: 2, to: 3, counts: [0, 0] },
      { from: 4, to: 7, counts: [0, 2] },
    ]);
  });

  it('flags a collapsed gate and shrunken TAs', () => {
    const collapsed = {
      n: 10,
      m: 2,
      weights: Float32Array.from({ length: 20 }, (_, k) => (k % 2 ? 0.05 : 0.95)),
    };
    expect(collapseCheck(collapsed, [0.01, 0.02])).toMatchObject({
      gateCollapsed: true,
      dominantTa: 0,
      dominantShare: 1,
      tasShrunk: true,
    });
    expect(collapseCheck(g, [0.5, 0.01])).toMatchObject({ gateCollapsed: false, tasShrunk: false });
  });
});
