import type { ChartConfiguration } from 'chart.js';
import { sweepFlag, type SweepView } from '../../../main/contract';
import { METRIC_LABEL } from '../../../main/shared/compare-table';
import { band, sweepLines, type SweepMetric } from '../../../main/shared/sweep-figure';
import { COLORS } from '../../../main/shared/palette';
import { BAND_LEGEND, BAND_TOOLTIP, bandDatasets } from './line-chart';

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
        const edges = bandDatasets(l.method, { upper: band(l, 1), lower: band(l, -1) }, color);
        return [
          ...edges.map((e) => ({ ...e, spanGaps: true })),
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
        legend: BAND_LEGEND,
        tooltip: { filter: BAND_TOOLTIP },
      },
      scales: {
        x: { title: { display: !!axis, text: axis ? sweepFlag(axis.param) : '' } },
        y: { title: { display: true, text: `test ${METRIC_LABEL[metric]}` } },
      },
    },
  };
}
