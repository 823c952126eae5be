import { describe, expect, it } from 'vitest';
import { filterAndRemap, userItems, type Dataset } from '../../main/data/dataset';
import { Rng } from '../../main/data/rng';
import { batches, isTrainPositive, sampleEpoch } from '../../main/data/sampler';
import { buildSplit, trainSet } from '../../main/data/split';
import { synthesize } from '../../main/data/synth';

const dataset = (users = 120, items = 800): Dataset =>
  filterAndRemap(synthesize({ users, items, seed: 11 }), { minUser: 5, minItem: 0 });

describe('leave-one-out split (METHOD.md §1.3)', () => {
  const d = dataset();

  it('is a pure function of the seed', () => {
    const a = buildSplit(d, 5);
    const b = buildSplit(d, 5);
    const c = buildSplit(d, 6);
    expect(a.candidates).toEqual(b.candidates);
    expect(a.valid).toEqual(b.valid);
    expect(a.test).toEqual(b.test);
    expect(a.candidates).not.toEqual(c.candidates);
  });

  it.each([499, 300])(
    'holds out two distinct own items and %i distinct unobserved candidates',
    (n) => {
      // 300 of ~790 free items exercises the dense (Fisher–Yates) path, 499 the rejection path.
      const s = buildSplit(d, 1, n);
      const violations: string[] = [];
      for (let u = 0; u < d.nUsers; u++) {
        const own = new Set(userItems(d, u));
        if (!own.has(s.valid[u]) || !own.has(s.test[u])) violations.push(`${u}: held-out not own`);
        if (s.valid[u] === s.test[u]) violations.push(`${u}: valid = test`);
        const cands = Array.from(s.candidates.subarray(u * n, (u + 1) * n));
        if (new Set(cands).size !== n) violations.push(`${u}: repeated candidate`);
        if (cands.some((c) => own.has(c) || c < 0 || c >= d.nItems))
          violations.push(`${u}: bad candidate`);
      }
      expect(violations).toEqual([]);
    },
  );

  it('trains on everything but the held-out items', () => {
    const s = buildSplit(d, 2);
    const t = trainSet(d, s);
    expect(t.items.length).toBe(d.items.length - 2 * d.nUsers);
    for (let u = 0; u < d.nUsers; u++) {
      const tr = Array.from(t.items.subarray(t.userPtr[u], t.userPtr[u + 1]));
      expect(tr).not.toContain(s.valid[u]);
      expect(tr).not.toContain(s.test[u]);
      expect(tr.length).toBe(userItems(d, u).length - 2);
      expect(tr.length).toBeGreaterThanOrEqual(3);
    }
  });

  it('explains when a catalogue is too small for the candidates', () => {
    expect(() => buildSplit(d, 0, d.nItems)).toThrow(/unobserved items; \d+ candidates are needed/);
  });
});

describe('negative sampling (METHOD.md §1.4)', () => {
  const d = dataset(80, 600);
  const s = buildSplit(d, 0);
  const t = trainSet(d, s);

  it('pairs every training interaction with negatives that are never training positives', () => {
    const e = sampleEpoch(t, Rng.seeded(0, 3), 2);
    expect(e.users.length).toBe(2 * t.items.length);
    const seen = new Map<string, number>();
    for (let k = 0; k < e.users.length; k++) {
      expect(isTrainPositive(t, e.users[k], e.pos[k])).toBe(true);
      expect(isTrainPositive(t, e.users[k], e.neg[k])).toBe(false);
      const key = `${e.users[k]}:${e.pos[k]}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect(seen.size).toBe(t.items.length);
    expect([...seen.values()].every((c) => c === 2)).toBe(true);
  });

  it('may draw a user\u2019s held-out item as a negative (only training positives are rejected)', () => {
    let drawn = 0;
    const rng = Rng.seeded(1, 3);
    for (let r = 0; r < 30; r++) {
      const e = sampleEpoch(t, rng);
      for (let k = 0; k < e.users.length; k++) {
        const u = e.users[k];
        if (e.neg[k] === s.valid[u] || e.neg[k] === s.test[u]) drawn++;
      }
    }
    expect(drawn).toBeGreaterThan(0);
  });

  it('shuffles deterministically and batches with a partial last batch', () => {
    const a = sampleEpoch(t, Rng.seeded(4, 3));
    const b = sampleEpoch(t, Rng.seeded(4, 3));
    expect(a.neg).toEqual(b.neg);
    expect(a.users).toEqual(b.users);
    const sizes = [...batches(a, 256)].map((x) => x.users.length);
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(a.users.length);
    expect(sizes.slice(0, -1).every((n) => n === 256)).toBe(true);
    expect(sizes.at(-1)).toBe(a.users.length - 256 * (sizes.length - 1));
  });
});

describe('Rng', () => {
  it('restores its state exactly', () => {
    const r = Rng.seeded(9);
    r.int(10);
    const copy = Rng.fromState(r.state());
    expect(Array.from({ length: 5 }, () => r.float())).toEqual(
      Array.from({ length: 5 }, () => copy.float()),
    );
  });

  it('draws uniform integers in range', () => {
    const r = Rng.seeded(1);
    const counts = new Array(4).fill(0);
    for (let i = 0; i < 4000; i++) counts[r.int(4)]++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });
});
