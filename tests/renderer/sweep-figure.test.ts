import { describe, expect, it } from 'vitest';
import type { MeanSd, SweepCell, SweepView } from '../../main/contract';
import { SweepSpecSchema } from '../../main/contract';
import {
  gridCell,
  heatColor,
  sweepCsv,
  sweepLines,
  sweepSvg,
} from '../../main/shared/sweep-figure';

const ms = (mean: number | null, sd: number | null = null): MeanSd => ({
  mean,
  sd,
  n: mean === null ? 0 : sd === null ? 1 : 2,
});
const cell = (
  params: SweepCell['params'],
  method: SweepCell['method'],
  h5: number | null,
  sd: number | null = null,
): SweepCell => ({
  params,
  method,
  runs: [],
  missingSeeds: [],
  H5: ms(h5, sd),
  N5: ms(h5 === null ? null : h5 / 2),
  H10: ms(null),
  N10: ms(null),
});

function view(axes: SweepView['axes'], cells: SweepCell[]): SweepView {
  const spec = SweepSpecSchema.parse({
    name: 'fig',
    dataset: 'd',
    teacher: 1,
    studentDim: 4,
    methods: ['DE', 'HyperKDMA-DE'],
    axes,
  });
  return {
    id: 1,
    name: 'fig',
    dataset: 'd',
    createdAt: '',
    spec,
    total: 4,
    completed: 3,
    axes,
    methods: spec.methods,
    cells,
  };
}

describe("a sweep's figure", () => {
  const one = view(
    [{ param: 'numTas', values: [1, 2] }],
    [
      cell({ numTas: 1 }, 'DE', 0.3, 0.01),
      cell({ numTas: 1 }, 'HyperKDMA-DE', 0.31),
      cell({ numTas: 2 }, 'DE', 0.3, 0.01),
      cell({ numTas: 2 }, 'HyperKDMA-DE', null),
    ],
  );

  it('draws one line per method over the axis, with its sd, and a gap where a cell is empty', () => {
    expect(sweepLines(one, 'H5')).toEqual({
      xs: [1, 2],
      lines: [
        { method: 'DE', mean: [0.3, 0.3], sd: [0.01, 0.01] },
        { method: 'HyperKDMA-DE', mean: [0.31, null], sd: [null, null] },
      ],
    });
  });

  it('writes the grid as CSV and the figure as a standalone SVG', () => {
    const csv = sweepCsv(one).trim().split('\n');
    expect(csv[0]).toBe(
      'num-tas,method,n,H@5 mean,H@5 sd,N@5 mean,N@5 sd,H@10 mean,H@10 sd,N@10 mean,N@10 sd,runs',
    );
    expect(csv[1]).toBe('1,DE,2,0.3000,0.0100,0.1500,,,,,,');
    expect(csv).toHaveLength(5);
    const svg = sweepSvg(one, 'H5');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    // DE's band (two points with an sd) is drawn; a single point has none.
    expect(svg.match(/<polygon /g)).toHaveLength(1);
    expect(svg).toContain('>num-tas<');
  });

  it('shows two parameters as a heat-map of the first distillation method', () => {
    const two = view(
      [
        { param: 'lambdaT', values: [0.1, 1] },
        { param: 'lambdaTa', values: [0.01] },
      ],
      [
        cell({ lambdaT: 0.1, lambdaTa: 0.01 }, 'HyperKDMA-DE', 0.2),
        cell({ lambdaT: 1, lambdaTa: 0.01 }, 'HyperKDMA-DE', 0.4),
      ],
    );
    expect(gridCell(two, 'HyperKDMA-DE', 1, 0.01)?.H5.mean).toBe(0.4);
    expect(heatColor(0.2, 0.2, 0.4)).toBe('rgb(239,243,255)');
    expect(heatColor(0.4, 0.2, 0.4)).toBe('rgb(48,86,211)');
    expect(heatColor(null, 0, 1)).toBe('transparent');
    const svg = sweepSvg(two, 'H5', 'HyperKDMA-DE');
    expect(svg.match(/<rect x="\d/g)).toHaveLength(2);
    expect(svg).toContain('>0.4000<');
  });
});
