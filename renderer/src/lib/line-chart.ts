import type { ChartConfiguration } from 'chart.js';
import { COLORS } from '../../../main/shared/palette';

export interface Series {
  label: string;
  data: (number | null)[];
  /** A reference line (a bound, a limit): dashed, no markers. */
  reference?: boolean;
  /** Drawn faint behind a smoothed copy of itself. */
  faint?: boolean;
  /** Index into COLORS, when it must match another series' colour. */
  color?: number;
  /** A ± sd band around it (seeds pooled): its edges, drawn filled and left out of legend and tooltip. */
  band?: { upper: (number | null)[]; lower: (number | null)[] };
}

/** The band's edge datasets are named so; legend and tooltip skip them. */
const EDGE = /\u2009[+−]sd$/;

/**
 * A ± sd band as two invisible datasets, the upper edge filled down to the lower one (the next
 * dataset); put them before their line.
 */
export function bandDatasets(
  label: string,
  band: { upper: (number | null)[]; lower: (number | null)[] },
  color: string,
) {
  const edge = { pointRadius: 0, borderWidth: 0, backgroundColor: `${color}2a` };
  return [
    { ...edge, label: `${label}\u2009+sd`, data: band.upper, fill: '+1' as const },
    { ...edge, label: `${label}\u2009−sd`, data: band.lower, fill: false as const },
  ];
}

/** Legend and tooltip options that leave the bands' edges out. */
export const BAND_LEGEND = {
  labels: { filter: (item: { text: string }) => !EDGE.test(item.text) },
};
export const BAND_TOOLTIP = (item: { dataset: { label?: string } }) =>
  !EDGE.test(item.dataset.label ?? '');

export interface LineOptions {
  title: string;
  /** x labels (epochs counted from 1). */
  labels: number[];
  /** The best epoch's index, marked on every series. */
  best?: number;
  log?: boolean;
  /** A fixed y range (e.g. 0 … ln m for an entropy). */
  yMin?: number;
  yMax?: number;
}

/** Tick text that stays short: 6.75k, 0.0123, 1.2e-5. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3) return v.toExponential(1);
  if (a < 1) return String(Number(v.toPrecision(3)));
  return new Intl.NumberFormat('en', { notation: 'compact', maximumSignificantDigits: 3 }).format(
    v,
  );
}

/** A line chart over epochs: hover shows every series at that epoch; ticks stay readable. */
export function lineChart(series: Series[], o: LineOptions): ChartConfiguration {
  return {
    type: 'line',
    data: {
      labels: o.labels,
      datasets: series.flatMap((s, k) => {
        const color = COLORS[(s.color ?? k) % COLORS.length];
        const line = {
          label: s.label,
          data: s.data,
          borderColor: s.faint ? `${color}55` : color,
          backgroundColor: color,
          borderDash: s.reference ? [6, 4] : [],
          pointRadius: s.reference || s.faint ? 0 : o.labels.map((_, i) => (i === o.best ? 5 : 0)),
          borderWidth: s.faint ? 1 : 1.5,
          fill: false,
        };
        return s.band ? [...bandDatasets(s.label, s.band, color), line] : [line];
      }),
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      plugins: {
        title: { display: true, text: o.title },
        legend: BAND_LEGEND,
        tooltip: {
          filter: BAND_TOOLTIP,
          callbacks: {
            label: (c) => `${c.dataset.label}: ${Number(c.parsed.y).toPrecision(4)}`,
          },
        },
      },
      scales: {
        x: { title: { display: true, text: 'epoch' } },
        y: {
          type: o.log ? 'logarithmic' : 'linear',
          min: o.yMin,
          max: o.yMax,
          ticks: { callback: (v) => tickLabel(Number(v)), maxTicksLimit: 6 },
        },
      },
    },
  };
}
