import { describe, expect, it } from 'vitest';
import { filterAndRemap, userItems } from '../../main/data/dataset';
import type { RawInteractions } from '../../main/data/raw';
import { datasetStats } from '../../main/data/stats';
import { synthesize } from '../../main/data/synth';

/** Raw interactions whose item codes are the item ids themselves (codes 0…max). */
const raw = (lists: [number, number[]][]): RawInteractions => {
  const max = Math.max(...lists.flatMap(([, l]) => l));
  return {
    users: lists.map(([u]) => String(u)),
    items: lists.map(([, l]) => l),
    itemIds: Array.from({ length: max + 1 }, (_, i) => String(i)),
    duplicates: 0,
    warnings: [],
  };
};

describe('filterAndRemap (METHOD.md §1.2)', () => {
  it('keeps users with ≥ minUser items, numbers users in file order and items by first appearance among kept users', () => {
    const d = filterAndRemap(
      raw([
        [50, [9, 8, 7]],
        [40, [1, 2]],
        [30, [8, 6, 5]],
      ]),
      { minUser: 3, minItem: 0 },
    );
    expect(d.nUsers).toBe(2);
    expect(d.rawUserIds).toEqual(['50', '30']);
    // Item 1 and 2 only occur for the dropped user and disappear.
    expect(d.rawItemIds).toEqual(['9', '8', '7', '6', '5']);
    expect(Array.from(userItems(d, 0))).toEqual([0, 1, 2]);
    expect(Array.from(userItems(d, 1))).toEqual([1, 3, 4]);
  });

  it('applies an item minimum until stable', () => {
    // Item 4 is rare; dropping it leaves user 2 with 2 items, below minUser = 3.
    const d = filterAndRemap(
      raw([
        [0, [1, 2, 3]],
        [1, [1, 2, 3]],
        [2, [1, 2, 4]],
      ]),
      { minUser: 3, minItem: 2 },
    );
    expect(d.rawUserIds).toEqual(['0', '1']);
    expect(d.rawItemIds).toEqual(['1', '2', '3']);
  });

  it('refuses thresholds that make the split impossible, and empty results', () => {
    expect(() => filterAndRemap(raw([[0, [1, 2, 3]]]), { minUser: 2, minItem: 0 })).toThrow(
      /at least 3/,
    );
    expect(() => filterAndRemap(raw([[0, [1, 2, 3]]]), { minUser: 5, minItem: 0 })).toThrow(
      /no user has at least 5/,
    );
  });
});

describe('datasetStats', () => {
  it('counts, density and degree summaries', () => {
    const d = filterAndRemap(
      raw([
        [0, [1, 2, 3, 4]],
        [1, [1, 2, 3]],
        [2, [1, 5, 6, 7, 8, 9, 10, 11]],
      ]),
      {
        minUser: 3,
        minItem: 0,
      },
    );
    const s = datasetStats(d);
    expect(s).toMatchObject({ users: 3, items: 11, interactions: 15, trainInteractions: 9 });
    expect(s.density).toBeCloseTo(15 / 33, 12);
    expect(s.userDegree).toMatchObject({ min: 3, max: 8, median: 4, mean: 5 });
    // Degrees 3, 4, 8 fall in log2 bins 1, 2, 3.
    expect(s.userDegree.histogram).toEqual([0, 1, 1, 1]);
    expect(s.itemDegree).toMatchObject({ min: 1, max: 3 });
  });
});

describe('synthesize', () => {
  it('is deterministic in its seed and has enough unobserved items per user', () => {
    const a = synthesize({ users: 50, items: 600, seed: 3 });
    const b = synthesize({ users: 50, items: 600, seed: 3 });
    const c = synthesize({ users: 50, items: 600, seed: 4 });
    expect(a.items).toEqual(b.items);
    expect(a.items).not.toEqual(c.items);
    for (const l of a.items) {
      expect(l.length).toBeGreaterThanOrEqual(5);
      expect(new Set(l).size).toBe(l.length);
      expect(600 - l.length).toBeGreaterThanOrEqual(499);
    }
  });

  it('rejects catalogues too small for 499 candidates', () => {
    expect(() => synthesize({ users: 5, items: 100, seed: 0 })).toThrow(/--items/);
  });
});
