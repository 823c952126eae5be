import { describe, expect, it } from 'vitest';
import {
  collapseCheck,
  dominantByActivity,
  dominantTas,
  entropies,
  histogram,
  meanWeights,
} from '../../main/analysis/gate-stats';
import { bestSoFar } from '../../main/shared/best-so-far';
import { isUnfinished } from '../../main/contract';
import { mcnemarExact, normalCdf, pairedComparison } from '../../main/analysis/paired';
import { pairedTTest } from '../../main/shared/t-test';
import { fitTrend, hitRateTrends, trendAt, trendStart } from '../../main/shared/trend';

describe('best epoch so far', () => {
  const hits = (H5: number, H10 = 0, H20 = 0) => ({ H5, N5: 0, H10, N10: 0, H20, N20: 0 });
  const at = (epoch: number, H5: number, H10 = 0, H20 = 0) => ({
    epoch,
    valid: hits(H5, H10, H20),
    test: hits(epoch / 10, epoch / 10, epoch / 10),
  });
  it('is the first epoch with the highest validation H@5, as the trainer keeps it', () => {
    expect(bestSoFar([])).toBeUndefined();
    expect(bestSoFar([at(0, 0.2), at(1, 0.4), at(2, 0.3)])?.epoch).toBe(1);
    // A later tie does not replace it (the trainer's `>`).
    expect(bestSoFar([at(0, 0.2), at(1, 0.4), at(2, 0.4), at(3, 0.1)])?.epoch).toBe(1);
  });

  it("under the authors' rule, is the last epoch that bettered some K, each K from its own best", () => {
    const epochs = [at(0, 0.2, 0.3, 0.4), at(1, 0.4, 0.3, 0.4), at(2, 0.3, 0.3, 0.5)];
    expect(bestSoFar(epochs)?.epoch).toBe(1);
    const any = bestSoFar(epochs, 'any')!;
    expect(any.epoch).toBe(2);
    expect([any.test.H5, any.test.H10, any.test.H20]).toEqual([0.1, 0, 0.2]);
  });

  it('is what a run shows until it completes or is cancelled (a summary before then is stale)', () => {
    expect((['queued', 'running', 'interrupted', 'failed'] as const).every(isUnfinished)).toBe(
      true,
    );
    expect((['completed', 'cancelled'] as const).some(isUnfinished)).toBe(false);
  });
});

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

describe('trend extrapolation', () => {
  const epochs = <T>(n: number, f: (x: number) => T): T[] =>
    Array.from({ length: n }, (_, k) => f(k + 1));
  const fit = (ys: number[], shape: string, from?: number) =>
    fitTrend(ys, from, 1)?.fits.find((f) => f.shape === shape);

  it('recovers a power law and an exponential from exact points', () => {
    const power = fit(
      epochs(40, (x) => 0.5 - 0.3 * x ** -0.7),
      'power',
      1,
    )!;
    expect(power.limit).toBeCloseTo(0.5, 6);
    expect(power.scale).toBeCloseTo(0.3, 6);
    expect(power.rate).toBeCloseTo(0.7, 5);
    expect(power.rmse).toBeLessThan(1e-7);
    expect(trendAt(power, 1000)).toBeCloseTo(0.5 - 0.3 * 1000 ** -0.7, 6);
    const exp = fit(
      epochs(40, (x) => 0.45 - 0.2 * Math.exp(-x / 12)),
      'exponential',
      1,
    )!;
    expect(exp.limit).toBeCloseTo(0.45, 6);
    expect(exp.scale).toBeCloseTo(0.2, 6);
    expect(exp.rate).toBeCloseTo(12, 4);
  });

  it('brackets a curve between the two shapes: the power law goes higher', () => {
    const ys = epochs(60, (x) => 0.5 - 0.3 * x ** -0.7 + 0.002 * Math.sin(x));
    const t = fitTrend(ys, undefined, 1)!;
    // The default window leaves out the first fifth.
    expect([t.from, t.to]).toEqual([13, 60]);
    const [p, e] = ['power', 'exponential'].map((s) => t.fits.find((f) => f.shape === s)!);
    expect(p.limit).toBeGreaterThan(e.limit);
    expect(Math.abs(p.limit - 0.5)).toBeLessThan(0.02);
    expect(e.limit).toBeGreaterThan(ys[59]);
  });

  it('fits nothing where the window has too few points or no levelling off', () => {
    // Seven epochs: fitted after the steepest rise (into epoch 2), five points for three parameters.
    expect(fitTrend(epochs(7, (x) => 0.5 - 0.3 * x ** -0.7))).toBeNull();
    expect(fitTrend(epochs(8, (x) => 0.5 - 0.3 * x ** -0.7))).not.toBeNull();
    expect(
      fitTrend(
        epochs(20, (x) => 0.5 - 0.3 * x ** -0.7),
        16,
      ),
    ).toBeNull();
    expect(
      fitTrend(
        epochs(30, (x) => 0.02 * x),
        1,
        1,
      ),
    ).toBeNull();
  });

  it('fits a late break-out only after its steepest rise', () => {
    // A plateau, a steep rise centred on epoch 40, then levelling off at 0.45 (SGL's shape).
    const ys = epochs(80, (x) => 0.1 + 0.35 / (1 + Math.exp(-(x - 40) / 3)));
    expect(trendStart(ys)).toBe(41);
    // A curve that rises fastest at the start keeps the first fifth out.
    expect(trendStart(epochs(60, (x) => 0.5 - 0.3 * x ** -0.7))).toBe(13);
    expect(trendStart([])).toBe(1);
    const t = fitTrend(ys, undefined, 1)!;
    expect(t.from).toBe(41);
    const exp = t.fits.find((f) => f.shape === 'exponential')!;
    expect(exp.limit).toBeCloseTo(0.45, 2);
    // From the first fifth the window straddles the rise, and no saturating curve fits it.
    const straddling = fitTrend(ys, 17, 1)?.fits.find((f) => f.shape === 'exponential');
    expect(straddling === undefined || Math.abs(straddling.limit - 0.45) > 0.01).toBe(true);
    // Still inside the rise: nothing to fit yet.
    expect(fitTrend(ys.slice(0, 44), undefined, 1)).toBeNull();
  });

  it('fits validation and test H@5 over the window validation H@5 sets', () => {
    const records = epochs(40, (x) => ({
      valid: { H5: 0.1 + 0.35 / (1 + Math.exp(-(x - 20) / 2)) },
      test: { H5: 0.3 - 0.2 * Math.exp(-x / 5) },
    }));
    const [valid, test] = hitRateTrends(records);
    expect(valid.trend!.from).toBe(21);
    expect(test.trend!.from).toBe(21);
  });

  it('follows validation and test H@5 separately', () => {
    const records = epochs(30, (x) => ({
      valid: { H5: 0.4 - 0.2 * Math.exp(-x / 5) },
      test: { H5: 0.3 - 0.2 * Math.exp(-x / 5) },
    }));
    const [valid, test] = hitRateTrends(records, 1);
    expect(valid.metric).toBe('valid H@5');
    expect(valid.trend!.fits.find((f) => f.shape === 'exponential')!.limit).toBeCloseTo(0.4, 6);
    expect(test.trend!.fits.find((f) => f.shape === 'exponential')!.limit).toBeCloseTo(0.3, 6);
  });
});

describe('paired t-test across seeds', () => {
  it('matches hand and scipy.stats.ttest_rel values', () => {
    // d = 0.02, 0.03, 0.01, 0.03: mean 0.0225, sd √(2.75e-4 / 3), t = 0.0225 / (sd / 2).
    const t = pairedTTest([0.5, 0.52, 0.49, 0.53], [0.48, 0.49, 0.48, 0.5])!;
    expect(t.n).toBe(4);
    expect(t.meanDiff).toBeCloseTo(0.0225, 12);
    expect(t.t).toBeCloseTo(0.0225 / (Math.sqrt(2.75e-4 / 3) / 2), 9);
    expect(t.t).toBeCloseTo(4.700096710803841, 9);
    expect(t.p).toBeCloseTo(0.018219854743222408, 6);
    const u = pairedTTest([0.4, 0.45, 0.5], [0.41, 0.43, 0.52])!;
    expect(u.t).toBeCloseTo(-0.27735009811261313, 9);
    expect(u.p).toBeCloseTo(0.8075499102701257, 6);
  });

  it('declines one pair, or differences without spread', () => {
    expect(pairedTTest([0.5], [0.4])).toBeNull();
    expect(pairedTTest([0.5, 0.6], [0.4, 0.5])).toBeNull();
  });
});
