import { describe, expect, it } from 'vitest';
import {
  centroids,
  clusterScores,
  kmeansLabels,
  knnAgreement,
  misclusteredShare,
  populationSd,
  type Rows,
} from '../../main/analysis/clusters';

const rows = (pts: number[][]): Rows => ({
  data: Float32Array.from(pts.flat()),
  n: pts.length,
  d: pts[0].length,
});

/** Two well-separated groups of three points (users 0–2 and 3–5). */
const TWO_GROUPS = [
  [0, 0],
  [0, 1],
  [1, 0],
  [9, 9],
  [9, 10],
  [10, 9],
];

describe('cluster analysis', () => {
  it('K-means finds the two groups of a tiny embedding, whatever the seed', async () => {
    const x = rows([...TWO_GROUPS, [10, 10]]);
    for (const seed of [0, 1, 2]) {
      const l = await kmeansLabels(x, 2, seed);
      expect(new Set(l.slice(0, 3)).size).toBe(1);
      expect(new Set(l.slice(3)).size).toBe(1);
      expect(l[0]).not.toBe(l[3]);
      // Its centroids are the groups' means, worked by hand: (1/3, 1/3) and (9.5, 9.5).
      const c = Array.from(centroids(x, l, 2));
      expect(c.slice(l[0] * 2, l[0] * 2 + 2)).toEqual([1 / 3, 1 / 3]);
      expect(c.slice(l[3] * 2, l[3] * 2 + 2)).toEqual([9.5, 9.5]);
    }
  });

  it('centroids are the mean row of each label', () => {
    const c = centroids(
      rows([
        [0, 0],
        [0, 1],
        [10, 0],
        [10, 2],
      ]),
      [0, 0, 1, 1],
      2,
    );
    expect(Array.from(c)).toEqual([0, 0.5, 10, 1]);
  });

  it('counts users nearer another cluster’s centroid in a student space (worked by hand)', () => {
    // Teacher labels: the first three users in cluster 0, the rest in 1. In this space the
    // centroids are (10/3, 1/3) and (20/3, 5/3): (10, 0) is nearer the second (13.9 vs 44.6),
    // (0, 2) nearer the first; the other four stay.
    const student = rows([
      [0, 0],
      [0, 1],
      [10, 0],
      [10, 1],
      [10, 2],
      [0, 2],
    ]);
    expect(misclusteredShare(student, [0, 0, 0, 1, 1, 1], 2)).toBeCloseTo(2 / 6, 12);
    // The teacher's own space, where the clusters are separated: none.
    const teacher = rows(TWO_GROUPS);
    expect(misclusteredShare(teacher, [0, 0, 0, 1, 1, 1], 2)).toBe(0);
  });

  it("scores each cluster by its users' test ranks, and Table 3's spread is the population sd", () => {
    const s = clusterScores([0, 0, 1, 1, 2], [1, 6, 3, 2, 9], 4);
    expect(s[0]).toEqual({ size: 2, H5: 0.5, N5: 0.5 });
    expect(s[1].H5).toBe(1);
    expect(s[1].N5).toBeCloseTo((1 / 2 + 1 / Math.log2(3)) / 2, 12);
    expect(s[2]).toEqual({ size: 1, H5: 0, N5: 0 });
    expect(s[3]).toEqual({ size: 0, H5: null, N5: null });
    expect(populationSd([0.5, 1])).toBeCloseTo(0.25, 12);
    expect(populationSd([0.2, 0.4, 0.6])).toBeCloseTo(Math.sqrt(0.08 / 3), 12);
  });

  it('kNN agreement: the share of nearest neighbours with the same label', () => {
    const line = [
      [0, 0],
      [1, 0],
      [10, 0],
      [11, 0],
    ];
    expect(knnAgreement(line, [0, 0, 1, 1], 1)).toBe(1);
    expect(knnAgreement(line, [0, 1, 0, 1], 1)).toBe(0);
    // Two neighbours each: one of its own pair, one of the other.
    expect(knnAgreement(line, [0, 0, 1, 1], 2)).toBe(0.5);
  });
});
