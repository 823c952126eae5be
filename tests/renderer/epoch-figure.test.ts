import { describe, expect, it } from 'vitest';
import type { EpochInfo, Metrics } from '../../main/contract';
import {
  epochCurvesSvg,
  epochValue,
  missingSeries,
  seriesNames,
} from '../../main/shared/epoch-figure';
import { lineChartSvg, niceTicks } from '../../main/shared/svg-line-chart';

const metrics = (h5: number): Metrics => ({ H5: h5, N5: h5 / 2, H10: 0, N10: 0, H20: 0, N20: 0 });
const epoch = (i: number, diagnostics: Record<string, unknown> = {}): EpochInfo => ({
  epoch: i,
  losses: { total: 10 - i, ta: 0.1 / (i + 1) },
  valid: metrics(0.1 * i),
  test: metrics(0.05 * i),
  trainSeconds: 3,
  evalSeconds: 1,
  diagnostics,
});

describe('epoch figures', () => {
  it('reads every stored series of an epoch by name, and ratios of two', () => {
    const e = epoch(2, { 'ta0.norm': 0.5, 'teacher.norm': 2, zero: 0, note: 'text' });
    expect(epochValue(e, 'valid.H5')).toBeCloseTo(0.2);
    expect(epochValue(e, 'test.N5')).toBeCloseTo(0.05);
    expect(epochValue(e, 'loss.ta')).toBeCloseTo(0.1 / 3);
    expect(epochValue(e, 'train.seconds')).toBe(3);
    expect(epochValue(e, 'ta0.norm / teacher.norm')).toBe(0.25);
    expect(epochValue(e, 'ta0.norm/zero')).toBeNull();
    expect(epochValue(e, 'ta1.norm')).toBeNull();
    expect(epochValue(e, 'note')).toBeNull();
    expect(seriesNames(e)).toEqual([
      ...['H5', 'N5', 'H10', 'N10', 'H20', 'N20'].map((k) => `valid.${k}`),
      ...['H5', 'N5', 'H10', 'N10', 'H20', 'N20'].map((k) => `test.${k}`),
      'loss.total',
      'loss.ta',
      'train.seconds',
      'ta0.norm',
      'teacher.norm',
      'zero',
    ]);
  });

  it('names the series no run has', () => {
    const runs = [
      { label: 'a', epochs: [epoch(0, { 'ta0.norm': 1 })] },
      { label: 'b', epochs: [epoch(0)] },
    ];
    expect(missingSeries(runs, ['ta0.norm', 'ta1.norm', 'valid.H5'])).toEqual(['ta1.norm']);
  });

  it('draws one line per run and series, over the longest run, on a log axis on request', () => {
    const runs = [
      { label: '#1 DE', epochs: [0, 1, 2].map((i) => epoch(i)) },
      { label: '#2 HyperKDMA', epochs: [0, 1, 2, 3, 4].map((i) => epoch(i)) },
    ];
    const svg = epochCurvesSvg(runs, ['loss.ta', 'valid.H5'], { logY: true, title: 'T' });
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg).toContain('>#2 HyperKDMA loss.ta<');
    expect(svg).toContain('>T<');
    // valid.H5 is 0 at epoch 1: left out on the log axis, so #1's line has 2 of its 3 epochs.
    const lines = [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((m) => m[1].split(' '));
    expect(lines.map((l) => l.length)).toEqual([3, 2, 5, 4]);
    // The log axis spans whole decades: loss.ta runs 0.02 … 0.1, valid.H5 up to 0.4.
    expect(svg).toContain('>1e-2<');
    expect(svg).toContain('>1e0<');
    // One run and one series: the run's label names its line.
    expect(epochCurvesSvg(runs.slice(0, 1), ['valid.H5'])).toContain('>#1 DE<');
  });

  it("draws a run's lead over another at the epochs both have", () => {
    const de = [0, 1, 2].map((i) => epoch(i));
    // valid.H5 0.1·i + 0.05 at epochs 1 … 4: 0.05 ahead wherever DE has the epoch.
    const ahead = [0, 1, 2, 3].map((i) => ({ ...epoch(i), valid: metrics(0.1 * i + 0.05) }));
    const svg = epochCurvesSvg([{ label: '#2 − #1', epochs: ahead, minus: de }], ['valid.H5']);
    const [line] = [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((m) => m[1].split(' '));
    // Epoch 4 has no DE value: three points, on one level.
    expect(line).toHaveLength(3);
    expect(new Set(line.map((p) => Number(p.split(',')[1]).toFixed(6))).size).toBe(1);
    expect(svg).toContain('>#2 − #1<');
  });

  it('picks round ticks and places the points on the axes', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1, 60)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(niceTicks(3, 3)).toEqual([3]);
    const svg = lineChartSvg({ title: 't', xs: [0, 1], lines: [{ label: 'l', ys: [0, 1] }] });
    // x from 64 to 640 − 120 (a short legend), y from 400 − 50 to 30 over 0 … 1 padded by 8%.
    const [p0, p1] = svg.match(/<polyline points="([^"]*)"/)![1].split(' ');
    expect(p0.split(',').map(Number)[0]).toBe(64);
    expect(p1.split(',').map(Number)[0]).toBe(520);
    const y = (v: number) => 30 + (1 - (v + 0.08) / 1.16) * 320;
    expect(Number(p0.split(',')[1])).toBeCloseTo(y(0), 1);
    expect(Number(p1.split(',')[1])).toBeCloseTo(y(1), 1);
  });
});
