import { describe, expect, it } from 'vitest';
import type { EpochInfo, RunInfo } from '../../main/contract';
import { compareCurves } from '../../main/shared/compare-curves';
import {
  curveLine,
  epochCurvesSvg,
  lastEpoch,
  seedCurve,
  type SeedCurves,
} from '../../main/shared/epoch-figure';
import { leadBlocks, seedLeadBlocks } from '../../main/shared/epoch-lead';
import { experimentTitle, pairBySeed, poolBySeed } from '../../main/shared/seed-groups';
import { validH5Epochs as epochs } from '../support/epochs';

const run = (id: number, seed: number, label: string | null, config = {}): RunInfo =>
  ({
    id,
    seed,
    label,
    kind: 'distill',
    model: 'BPR',
    method: 'DE',
    datasetId: 1,
    teacherRunId: null,
    config: { studentDim: 20, seed, label, ...config },
  }) as unknown as RunInfo;

describe("an experiment's seeds as one curve", () => {
  // Three seeds; seed 2 stops after epoch 3 and has no finite value at epoch 2.
  const seeds: SeedCurves = {
    label: 'DE (3 seeds)',
    seeds: [
      { label: 's0', epochs: epochs([0.1, 0.2, 0.3, 0.4, 0.5]) },
      { label: 's1', epochs: epochs([0.3, 0.4, 0.5, 0.6]) },
      { label: 's2', epochs: epochs([0.2, NaN, 0.1]) },
    ],
  };

  it('is the mean and sample sd where every seed has a value, up to the shortest run', () => {
    const c = seedCurve(seeds, 'valid.H5');
    expect([...c.keys()]).toEqual([1, 3]);
    expect(c.get(1)!.mean).toBeCloseTo(0.2, 12);
    // sd of 0.1, 0.3, 0.2: sqrt((0.01 + 0.01 + 0) / 2) = 0.1
    expect(c.get(1)!.sd).toBeCloseTo(0.1, 12);
    expect(c.get(3)!.mean).toBeCloseTo(0.3, 12);
    // sd of 0.3, 0.5, 0.1: sqrt((0 + 0.04 + 0.04) / 2) = 0.2
    expect(c.get(3)!.sd).toBeCloseTo(0.2, 12);
    const line = curveLine(seeds, 'valid.H5', 5);
    expect(line.ys.map((y) => y && Number(y.toFixed(6)))).toEqual([0.2, null, 0.3, null, null]);
    expect(line.band!.upper[2]).toBeCloseTo(0.5, 12);
    expect(line.band!.lower[0]).toBeCloseTo(0.1, 12);
    // One seed: its values, with no band.
    expect(curveLine({ label: 'x', seeds: seeds.seeds.slice(0, 1) }, 'valid.H5', 2)).toEqual({
      ys: [0.1, 0.2],
      band: undefined,
    });
  });

  it("draws the mean with its band, over the epochs up to the longest line's end", () => {
    const alone = { label: '#9 BPR', epochs: epochs([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) };
    expect(lastEpoch([seeds])).toBe(3);
    expect(lastEpoch([seeds, alone])).toBe(6);
    const svg = epochCurvesSvg([seeds, alone], ['valid.H5']);
    expect(svg.match(/<polygon /g)).toHaveLength(1);
    expect(svg).toContain('>DE (3 seeds)<');
    const lines = [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((m) => m[1].split(' '));
    expect(lines.map((l) => l.length)).toEqual([2, 6]);
  });

  it('smooths a line and its band as TensorBoard does, and the figure says so', () => {
    const { ys, band } = curveLine(seeds, 'valid.H5', 5, 0.5);
    // Means 0.2 and 0.3 at epochs 1 and 3: 0.1 / (1 − 0.5), then (0.05 + 0.15) / (1 − 0.25).
    expect(ys[0]).toBeCloseTo(0.2, 12);
    expect(ys[1]).toBeNull();
    expect(ys[2]).toBeCloseTo(0.2 / 0.75, 12);
    // The upper edge: 0.3 and 0.5.
    expect(band!.upper[2]).toBeCloseTo((0.5 * 0.15 + 0.25) / 0.75, 12);
    const svg = epochCurvesSvg([seeds], ['valid.H5'], { smoothing: 0.5 });
    expect(svg).toContain('>valid.H5 (smoothed: EMA 0.5)<');
  });

  it('averages a lead over pairs of one seed, where every pair has the epoch', () => {
    const a = [epochs([0.3, 0.5, 0.4, 0.6]), epochs([0.2, 0.2, 0.3])];
    const b = [epochs([0.2, 0.5, 0.5, 0.1, 0.9]), epochs([0.1, NaN, 0.1, 0.7])];
    const [whole] = seedLeadBlocks(
      [
        [a[0], b[0]],
        [a[1], b[1]],
      ],
      'valid.H5',
      Infinity,
    );
    // Epochs 1 and 3 (epoch 2 has no value in the second pair; it trained 3 epochs):
    // (0.1 + 0.1) / 2 = 0.1 and (−0.1 + 0.2) / 2 = 0.05.
    expect(whole).toMatchObject({ from: 1, to: 3, epochs: 2, ahead: 2, behind: 0 });
    expect(whole.mean).toBeCloseTo(0.075, 12);
    // One pair is the lead of two runs.
    expect(seedLeadBlocks([[a[0], b[0]]], 'valid.H5', 2)).toEqual(
      leadBlocks(a[0], b[0], 'valid.H5', 2),
    );
    expect(seedLeadBlocks([], 'valid.H5', 2)).toEqual([]);
  });
});

describe("Compare's curves with seeds pooled", () => {
  const de = [run(3, 0, 'de-20'), run(8, 1, 'de-20 (seed 1)'), run(10, 2, 'de-20 (seed 2)')];
  const hk = [run(4, 0, null, { lambdaTa: 1 }), run(11, 1, null, { lambdaTa: 1 })];
  const other = [run(20, 5, 'other', { lambdaTa: 2 })];
  const stored: Record<number, EpochInfo[]> = {
    3: epochs([0.1, 0.2]),
    8: epochs([0.2, 0.2]),
    10: epochs([0.3, 0.3]),
    4: epochs([0.2, 0.4]),
    11: epochs([0.4, 0.3]),
    20: epochs([0.5]),
  };
  const of = (r: RunInfo) => stored[r.id];

  it('groups runs that differ only in their seed, and names a group without its seed', () => {
    const groups = poolBySeed([de[0], hk[0], de[1], other[0], hk[1], de[2]]);
    expect(groups.map((g) => g.map((r) => r.id))).toEqual([[3, 8, 10], [4, 11], [20]]);
    expect(experimentTitle(de[1])).toBe('de-20');
    expect(experimentTitle(hk[0])).toBe('DE d=20');
  });

  it('pairs runs by seed; two single runs whatever their seeds', () => {
    expect(pairBySeed(hk, de).map(([a, b]) => [a.id, b.id])).toEqual([
      [4, 3],
      [11, 8],
    ]);
    expect(pairBySeed(other, de)).toEqual([]);
    expect(pairBySeed(other, de.slice(0, 1)).map(([a, b]) => [a.id, b.id])).toEqual([[20, 3]]);
    // A seed run twice counts once: its first run.
    expect(pairBySeed([...hk, run(12, 0, null)], de).map(([a]) => a.id)).toEqual([4, 11]);
  });

  it("draws each group's mean, or its lead over a reference group paired by seed", () => {
    const groups = [de, hk, other];
    const plain = compareCurves(groups, undefined, of);
    expect(plain.lines.map((l) => l.curves.label)).toEqual([
      'de-20 (3 seeds)',
      'DE d=20 (2 seeds)',
      '#20 other',
    ]);
    const led = compareCurves(groups, de, of);
    expect(led.unpaired).toEqual(['#20 other']);
    expect(led.lines).toHaveLength(1);
    const [line] = led.lines;
    expect(line.curves.label).toBe('DE d=20 − de-20 (2 seeds)');
    // Seed 0: 0.1, 0.2 ahead; seed 1: 0.2, 0.1 ahead.
    const ys = curveLine(line.curves, 'valid.H5', 2).ys;
    expect(ys[0]).toBeCloseTo(0.15, 12);
    expect(ys[1]).toBeCloseTo(0.15, 12);
    expect(seedLeadBlocks(line.pairs!, 'valid.H5', Infinity)[0]).toMatchObject({
      epochs: 2,
      ahead: 2,
    });
  });
});
