import type { EpochInfo } from '../contract';
import { lineChartSvg } from './svg-line-chart';

// Runs' curves over their epochs as a figure: any stored per-epoch number — a validation or test
// metric, a loss term, a KD diagnostic — or the ratio of two (a TA's norm over the teacher's);
// and a run's lead over another, epoch by epoch.

/** A run's epochs under the name its lines carry. */
export interface RunCurves {
  label: string;
  epochs: EpochInfo[];
  /** Another run's epochs: the lines are this run's values minus that run's, epoch by epoch. */
  minus?: EpochInfo[];
}

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
export function missingSeries(runs: RunCurves[], wanted: string[]): string[] {
  return wanted.filter((s) => !runs.some((r) => r.epochs.some((e) => epochValue(e, s) !== null)));
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

/** One line per run and series over epochs 1 … the longest run's last (a log y axis on request). */
export function epochCurvesSvg(
  runs: RunCurves[],
  series: string[],
  opts: { title?: string; logY?: boolean } = {},
): string {
  const last = Math.max(1, ...runs.flatMap((r) => r.epochs.map((e) => e.epoch + 1)));
  const xs = Array.from({ length: last }, (_, i) => i + 1);
  const lines = runs.flatMap((r) =>
    series.map((s) => {
      const byEpoch = curveByEpoch(r, s);
      const label = [runs.length > 1 ? r.label : '', series.length > 1 ? s : '']
        .filter(Boolean)
        .join(' ');
      return { label: label || r.label, ys: xs.map((x) => byEpoch.get(x) ?? null) };
    }),
  );
  return lineChartSvg({
    title: opts.title ?? series.join(', '),
    xs,
    xLabel: 'epoch',
    yLabel: series.length === 1 ? series[0] : undefined,
    logY: opts.logY,
    lines,
  });
}
