import { describe, expect, it } from 'vitest';
import { clusterScores, populationSd } from '../../main/analysis/clusters';
import { bootstrapSpread, percentileInterval } from '../../main/analysis/spread-bootstrap';
import { Rng } from '../../main/data/rng';

describe('percentile intervals', () => {
  it('interpolates between order statistics', () => {
    expect(percentileInterval([5, 1, 4, 2, 3], 0.5)).toEqual([2, 4]);
    const hundred = Array.from({ length: 101 }, (_, i) => 100 - i);
    const [lo, hi] = percentileInterval(hundred);
    expect(lo).toBeCloseTo(2.5, 12);
    expect(hi).toBeCloseTo(97.5, 12);
    expect(percentileInterval([7])).toEqual([7, 7]);
  });
});

describe('bootstrap of the cluster spread', () => {
  it('does not move when every cluster is uniform', () => {
    // Cluster 0 all hit at rank 1 (H@5 = N@5 = 1), cluster 1 all missed: std 0.5 in every draw.
    const draws = bootstrapSpread([0, 0, 1, 1, 1], 2, [[1, 1, 9, 30, 6]], 50, 0);
    expect([...new Set(draws[0].H5)]).toEqual([0.5]);
    expect([...new Set(draws[0].N5)]).toEqual([0.5]);
  });

  it('scores every run on the same resampled users, and is seeded', () => {
    const rng = Rng.seeded(5);
    const n = 400;
    const labels = Array.from({ length: n }, (_, u) => u % 4);
    const a = Array.from({ length: n }, () => 1 + rng.int(20));
    const b = a.map((r, u) => (u % 3 ? r : 1 + rng.int(20)));
    const [da, db, again] = bootstrapSpread(labels, 4, [a, b, a], 300, 1);
    // A run twice: the same draw every time, so a paired difference of exactly zero.
    expect(again.H5).toEqual(da.H5);
    expect(again.N5).toEqual(da.N5);
    // Another run's draws differ.
    expect(db.H5).not.toEqual(da.H5);
    expect(bootstrapSpread(labels, 4, [a], 300, 1)[0].H5).toEqual(da.H5);
    expect(bootstrapSpread(labels, 4, [a], 300, 2)[0].H5).not.toEqual(da.H5);
    // The spread the analysis reports lies inside its interval here.
    const observed = populationSd(clusterScores(labels, a, 4).map((c) => c.H5!));
    const [lo, hi] = percentileInterval(da.H5);
    expect(lo).toBeLessThan(observed);
    expect(hi).toBeGreaterThan(observed);
  });

  it('leaves empty clusters out, as the spread does', () => {
    const withEmpty = bootstrapSpread([0, 0, 2, 2], 3, [[1, 2, 8, 9]], 20, 0);
    const without = bootstrapSpread([0, 0, 1, 1], 2, [[1, 2, 8, 9]], 20, 0);
    expect(withEmpty[0].H5).toEqual(without[0].H5);
  });
});
