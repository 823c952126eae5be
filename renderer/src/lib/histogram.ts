import type { ChartConfiguration } from 'chart.js';
import { tickLabel } from './line-chart';

/** Bin k of a degree histogram holds degrees 2^k … 2^(k+1) − 1. */
export const degreeBin = (k: number): string =>
  k === 0 ? 'degree 1' : `degree ${2 ** k}–${2 ** (k + 1) - 1}`;

/** Count ticks of a log axis: powers of ten only (a count axis has no use for 0.1 or 3). */
export const countTick = (v: string | number): string =>
  Number.isInteger(Math.log10(Number(v))) ? tickLabel(Number(v)) : '';

/** A dataset's log2-binned degree histogram, bins labelled by where they start. */
export function degreeHistogram(title: string, counts: number[]): ChartConfiguration {
  return {
    type: 'bar',
    data: {
      labels: counts.map((_, k) => tickLabel(2 ** k)),
      datasets: [{ label: title, data: counts, backgroundColor: '#6c8cff' }],
    },
    options: {
      plugins: {
        legend: { display: false },
        title: { display: true, text: title },
        tooltip: {
          callbacks: { title: (items: { dataIndex: number }[]) => degreeBin(items[0].dataIndex) },
        },
      },
      scales: {
        x: {
          title: { display: true, text: 'degree (from)' },
          ticks: { maxRotation: 0, autoSkip: true },
        },
        y: {
          type: 'logarithmic',
          min: 1,
          title: { display: true, text: 'count' },
          ticks: { callback: countTick },
        },
      },
    },
  };
}
