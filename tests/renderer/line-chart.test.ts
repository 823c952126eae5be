import { describe, expect, it } from 'vitest';
import { smoothed } from '../../main/shared/smoothing';
import { tickLabel } from '../../renderer/src/lib/line-chart';

describe('chart helpers', () => {
  it('smooths as TensorBoard does: a debiased moving average that keeps gaps', () => {
    expect(smoothed([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const s = smoothed([10, null, 20, 20], 0.5);
    // Debiased: the first point is itself, not half of it.
    expect(s[0]).toBeCloseTo(10);
    expect(s[1]).toBeNull();
    // (0.5·5 + 0.5·20) / (1 − 0.25) = 12.5 / 0.75
    expect(s[2]).toBeCloseTo(12.5 / 0.75);
    expect(s[3]).toBeCloseTo((0.5 * 12.5 + 10) / 0.875);
  });

  it('keeps tick labels short', () => {
    expect([6750, 1_234_567, 0.1234, 0.00001234, 0, 12].map(tickLabel)).toEqual([
      '6.75K',
      '1.23M',
      '0.123',
      '1.2e-5',
      '0',
      '12',
    ]);
  });
});
