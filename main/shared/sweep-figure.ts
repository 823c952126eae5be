import { sweepFlag, type SweepCell, type SweepView } from '../contract';
import { METRIC_LABEL } from './compare-table';
import { lineChartSvg, svgPage, textInto } from './svg-line-chart';

// A sweep's figure, as the paper draws them: a metric against the varied parameter, one line per
// method with a ± sd band over seeds (Figs. 1, 3, 4); for two parameters, a heat-map per method
// (Fig. 6). The same data gives the workbench's chart (renderer/src/lib/sweep-chart.ts), a
// standalone SVG and the CSV, in the window and from `hkd sweep show`.

/** The metrics a sweep's cells hold (contract: SweepCell). */
export const SWEEP_METRICS = ['H5', 'N5', 'H10', 'N10'] as const;
export type SweepMetric = (typeof SWEEP_METRICS)[number];

export interface Line {
  method: string;
  mean: (number | null)[];
  sd: (number | null)[];
}

/** One line per method over the first axis's values (a sweep with no axis: one point). */
export function sweepLines(v: SweepView, metric: SweepMetric): { xs: number[]; lines: Line[] } {
  const axis = v.axes[0];
  const xs = axis ? axis.values : [0];
  const lines = v.methods.map((method) => {
    const cells = xs.map((x) =>
      v.cells.find((c) => c.method === method && (!axis || c.params[axis.param] === x)),
    );
    return {
      method,
      mean: cells.map((c) => c?.[metric].mean ?? null),
      sd: cells.map((c) => c?.[metric].sd ?? null),
    };
  });
  return { xs, lines };
}

/** A line's mean plus (1) or minus (−1) its sd: the band's edges. */
export const band = (l: Line, sign: 1 | -1) =>
  l.mean.map((m, i) => (m === null ? null : m + sign * (l.sd[i] ?? 0)));

/** The cell of a two-parameter sweep at (a, b) for a method. */
export function gridCell(
  v: SweepView,
  method: string,
  a: number,
  b: number,
): SweepCell | undefined {
  const [pa, pb] = v.axes;
  return v.cells.find(
    (c) => c.method === method && c.params[pa.param] === a && c.params[pb.param] === b,
  );
}

/** Shade of a value between the grid's smallest and largest (light → the accent). */
export function heatColor(x: number | null, lo: number, hi: number): string {
  if (x === null) return 'transparent';
  const t = hi > lo ? (x - lo) / (hi - lo) : 1;
  const c = [239, 243, 255].map((from, i) => Math.round(from + ([48, 86, 211][i] - from) * t));
  return `rgb(${c.join(',')})`;
}

const fmt = (x: number | null) => (x === null ? '' : x.toFixed(4));

/**
 * A standalone SVG of the figure: lines with bands, or for two axes the heat-map of `method`
 * (default: the first distillation method).
 */
export function sweepSvg(v: SweepView, metric: SweepMetric, heatMethod?: string): string {
  const title = `${v.name} — test ${METRIC_LABEL[metric]}`;
  if (v.axes.length < 2) {
    const { xs, lines } = sweepLines(v, metric);
    return lineChartSvg({
      title,
      xs: xs.map((_, i) => i),
      xTicks: xs.map((x, i) => ({ at: i, label: String(x) })),
      xLabel: v.axes[0] ? sweepFlag(v.axes[0].param) : undefined,
      markers: true,
      lines: lines.map((l) => ({
        label: l.method,
        ys: l.mean,
        band: { upper: band(l, 1), lower: band(l, -1) },
      })),
    });
  }
  const W = 640;
  const H = 400;
  const m = { l: 64, r: 150, t: 30, b: 50 };
  const parts: string[] = [];
  const text = textInto(parts);
  text(W / 2, 18, title, 'middle', 'font-weight="bold"');
  const [pa, pb] = v.axes;
  const method =
    heatMethod ?? v.methods.find((x) => x !== 'Teacher' && x !== 'Student') ?? v.methods[0];
  const vals = pa.values.flatMap((a) =>
    pb.values.map((b) => gridCell(v, method, a, b)?.[metric].mean ?? null),
  );
  const got = vals.filter((x): x is number => x !== null);
  const [lo, hi] = [Math.min(...got), Math.max(...got)];
  const cw = (W - m.l - m.r) / pb.values.length;
  const ch = (H - m.t - m.b) / pa.values.length;
  pa.values.forEach((a, i) => {
    text(m.l - 6, m.t + (i + 0.6) * ch, String(a), 'end');
    pb.values.forEach((b, j) => {
      const x = gridCell(v, method, a, b)?.[metric].mean ?? null;
      parts.push(
        `<rect x="${m.l + j * cw}" y="${m.t + i * ch}" width="${cw}" height="${ch}" fill="${heatColor(x, lo, hi)}" stroke="#fff"/>`,
      );
      text(m.l + (j + 0.5) * cw, m.t + (i + 0.6) * ch, fmt(x));
    });
  });
  pb.values.forEach((b, j) => text(m.l + (j + 0.5) * cw, H - m.b + 18, String(b)));
  text((m.l + W - m.r) / 2, H - 10, sweepFlag(pb.param));
  text(
    16,
    (m.t + H - m.b) / 2,
    sweepFlag(pa.param),
    'middle',
    `transform="rotate(-90 16 ${(m.t + H - m.b) / 2})"`,
  );
  text(W - m.r + 10, m.t + 12, method, 'start');
  return svgPage(W, H, parts);
}

/** The grid as CSV: one row per cell, its parameters, method, seeds and each metric's mean/sd. */
export function sweepCsv(v: SweepView): string {
  const params = v.axes.map((a) => a.param);
  const head = [
    ...params.map(sweepFlag),
    'method',
    'n',
    ...SWEEP_METRICS.flatMap((k) => [`${METRIC_LABEL[k]} mean`, `${METRIC_LABEL[k]} sd`]),
    'runs',
  ];
  const rows = v.cells.map((c) => [
    ...params.map((p) => String(c.params[p])),
    c.method,
    String(c.H5.n),
    ...SWEEP_METRICS.flatMap((k) => [fmt(c[k].mean), fmt(c[k].sd)]),
    c.runs.map((r) => r.id).join(' '),
  ]);
  return [head, ...rows].map((r) => r.join(',')).join('\n') + '\n';
}
