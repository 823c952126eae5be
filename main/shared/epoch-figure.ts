import type { EpochInfo, MeanSd } from '../contract';
import { meanSd } from './mean-sd';
import { smoothed } from './smoothing';
import { lineChartSvg, type ChartLine } from './svg-line-chart';

// Runs' curves over their epochs as a figure: any stored per-epoch number — a validation or test
// metric, a loss term, a KD diagnostic — or the ratio of two (a TA's norm over the teacher's);
// and a run's lead over another, epoch by epoch; runs of one experiment with other seeds as their
// mean with a ± sd band.

/** A run's epochs under the name its lines carry. */
export interface RunCurves {
  label: string;
  epochs: EpochInfo[];
  /** Another run's epochs: the lines are this run's values minus that run's, epoch by epoch. */
  minus?: EpochInfo[];
}

/**
 * One experiment's runs with other seeds, drawn as one line: their mean with a ± sd band. Each
 * may carry its seed's run of another experiment as `minus` (a lead paired by seed).
 */
export interface SeedCurves {
  label: string;
  seeds: RunCurves[];
}

export type Curves = RunCurves | SeedCurves;

/** Every epoch a line draws on: a run's, or all its seeds'. */
const epochsOf = (c: Curves): EpochInfo[] =>
  'seeds' in c ? c.seeds.flatMap((r) => r.epochs) : c.epochs;

/** Every series name an epoch has: `valid.H5`, `test.N10`, `loss.<term>`, `train.seconds`, its diagnostics. */
export function seriesNames(e: EpochInfo): string[] {
  return [
    ...Object.keys(e.valid).map((k) => `valid.${k}`),
    ...Object.keys(e.test).map((k) => `test.${k}`),
    ...Object.keys(e.losses).map((k) => `loss.${k}`),
    'train.seconds',
    ...Object.entries(e.diagnostics ?? {})
      .filter(([, v]) => typeof v === 'number')
      .map(([k]) => k),
  ];
}

function named(e: EpochInfo, name: string): number | null {
  const dot = name.indexOf('.');
  const [head, rest] = [name.slice(0, dot), name.slice(dot + 1)];
  const v =
    head === 'valid'
      ? e.valid[rest as keyof EpochInfo['valid']]
      : head === 'test'
        ? e.test[rest as keyof EpochInfo['test']]
        : head === 'loss'
          ? e.losses[rest]
          : name === 'train.seconds'
            ? e.trainSeconds
            : e.diagnostics?.[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** An epoch's value of a series name, or of `a/b` (null where either is missing or b is 0). */
export function epochValue(e: EpochInfo, series: string): number | null {
  const [a, b] = series.split('/');
  const x = named(e, a.trim());
  if (b === undefined || x === null) return x;
  const y = named(e, b.trim());
  return y === null || y === 0 ? null : x / y;
}

/** The series of `wanted` that no run has in any epoch (a typo, or a method without it). */
export function missingSeries(runs: Curves[], wanted: string[]): string[] {
  return wanted.filter(
    (s) => !runs.some((r) => epochsOf(r).some((e) => epochValue(e, s) !== null)),
  );
}

/** A run's value of `series` at each of its epochs (counted from 1), less `minus`'s where given. */
export function curveByEpoch(r: RunCurves, series: string): Map<number, number | null> {
  const at = (epochs: EpochInfo[]) =>
    new Map(epochs.map((e) => [e.epoch + 1, epochValue(e, series)]));
  const out = at(r.epochs);
  if (r.minus) {
    const ref = at(r.minus);
    for (const [x, v] of out) {
      const w = ref.get(x);
      out.set(x, v === null || w === null || w === undefined ? null : v - w);
    }
  }
  return out;
}

/**
 * The mean and sample sd over the seeds at each epoch where every seed has a value. The line ends
 * with the shortest run: a mean over fewer seeds would jump where one of them stopped.
 */
export function seedCurve(g: SeedCurves, series: string): Map<number, MeanSd> {
  const each = g.seeds.map((r) => curveByEpoch(r, series));
  const last = Math.min(...each.map((m) => Math.max(0, ...m.keys())));
  const out = new Map<number, MeanSd>();
  for (let x = 1; x <= last; x++) {
    const vs = each.map((m) => m.get(x));
    if (vs.every((v): v is number => typeof v === 'number')) out.set(x, meanSd(vs));
  }
  return out;
}

/**
 * A line's values at epochs 1 … `length`, with the edges of its ± sd band where seeds pooled;
 * smoothed as TensorBoard smooths (an exponential moving average of weight `smoothing`) on request.
 */
export function curveLine(
  c: Curves,
  series: string,
  length: number,
  smoothing = 0,
): Omit<ChartLine, 'label'> {
  return smoothLine(rawLine(c, series, length), smoothing);
}

/** A line and its band smoothed (weight 0: as it is). */
export function smoothLine(
  { ys, band }: Omit<ChartLine, 'label'>,
  w: number,
): Omit<ChartLine, 'label'> {
  const smooth = (v: (number | null)[]) => smoothed(v, w);
  return { ys: smooth(ys), band: band && { upper: smooth(band.upper), lower: smooth(band.lower) } };
}

function rawLine(c: Curves, series: string, length: number): Omit<ChartLine, 'label'> {
  const xs = Array.from({ length }, (_, i) => i + 1);
  if (!('seeds' in c)) {
    const byEpoch = curveByEpoch(c, series);
    return { ys: xs.map((x) => byEpoch.get(x) ?? null) };
  }
  const pooled = seedCurve(c, series);
  const edge = (sign: 1 | -1) =>
    xs.map((x) => {
      const p = pooled.get(x);
      return p?.mean == null || p.sd === null ? null : p.mean + sign * p.sd;
    });
  return {
    ys: xs.map((x) => pooled.get(x)?.mean ?? null),
    band: c.seeds.length > 1 ? { upper: edge(1), lower: edge(-1) } : undefined,
  };
}

/** A run's last epoch, counted from 1 (0 before its first). */
export const lastOf = (epochs: EpochInfo[]): number =>
  Math.max(0, ...epochs.map((e) => e.epoch + 1));

/** The last epoch any line is drawn to (at least 1): a pooled line's shortest seed's. */
export const lastEpoch = (runs: Curves[]): number =>
  Math.max(
    1,
    ...runs.map((r) =>
      'seeds' in r
        ? Math.min(...r.seeds.map((c) => Math.min(lastOf(c.epochs), lastOf(c.minus ?? c.epochs))))
        : lastOf(r.epochs),
    ),
  );

/**
 * One line per run (or seeds pooled) and series over epochs 1 … the longest run's last (a log y
 * axis and smoothing on request; a smoothed figure says so in its title).
 */
export function epochCurvesSvg(
  runs: Curves[],
  series: string[],
  opts: { title?: string; logY?: boolean; smoothing?: number } = {},
): string {
  const last = lastEpoch(runs);
  const smoothing = opts.smoothing ?? 0;
  const lines = runs.flatMap((r) =>
    series.map((s) => {
      const label = [runs.length > 1 ? r.label : '', series.length > 1 ? s : '']
        .filter(Boolean)
        .join(' ');
      return { label: label || r.label, ...curveLine(r, s, last, smoothing) };
    }),
  );
  return lineChartSvg({
    title:
      (opts.title ?? series.join(', ')) + (smoothing > 0 ? ` (smoothed: EMA ${smoothing})` : ''),
    xs: Array.from({ length: last }, (_, i) => i + 1),
    xLabel: 'epoch',
    yLabel: series.length === 1 ? series[0] : undefined,
    logY: opts.logY,
    lines,
  });
}
