import type { ChartConfiguration } from 'chart.js';
import { sweepFlag, type SweepView } from '../../../main/contract';
import { METRIC_LABEL } from '../../../main/shared/compare-table';
import { band, sweepLines, type SweepMetric } from '../../../main/shared/sweep-figure';
import { COLORS } from '../../../main/shared/palette';

/** The Chart.js figure of a one-parameter sweep: lines with their ± sd bands. */
export function sweepChart(v: SweepView, metric: SweepMetric): ChartConfiguration {
  const { xs, lines } = sweepLines(v, metric);
  const axis = v.axes[0];
  return {
    type: 'line',
    data: {
      labels: xs,
      datasets: lines.flatMap((l, k) => {
        const color = COLORS[k % COLORS.length];
        const edge = { pointRadius: 0, borderWidth: 0, spanGaps: true };
        return [
          // The band: the upper edge filled down to the lower one, both invisible lines.
          {
            ...edge,
            label: `${l.method} +sd`,
            data: band(l, 1),
            fill: '+1',
            backgroundColor: `${color}2a`,
          },
          { ...edge, label: `${l.method} −sd`, data: band(l, -1), fill: false },
          {
            label: l.method,
            data: l.mean,
            borderColor: color,
            backgroundColor: color,
            pointRadius: 3,
            spanGaps: true,
            fill: false,
          },
        ];
      }),
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { labels: { filter: (item) => !/[+−]sd$/.test(item.text) } },
        tooltip: { filter: (item) => !/[+−]sd$/.test(item.dataset.label ?? '') },
      },
      scales: {
        x: { title: { display: !!axis, text: axis ? sweepFlag(axis.param) : '' } },
        y: { title: { display: true, text: `test ${METRIC_LABEL[metric]}` } },
      },
    },
  };
}
