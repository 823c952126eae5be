import { describe, expect, it } from 'vitest';
import { divergingScale, legendWeights } from '../../renderer/src/lib/diverging';

describe('the heatmap colour scale', () => {
  it('is neutral at 1/m and reaches its ends at the run’s extreme weights', () => {
    const s = divergingScale(4, { min: 0.2, max: 0.4 });
    expect(s.center).toBe(0.25);
    expect(s.spread).toBeCloseTo(0.15, 12);
    expect(s.color(0.25)).toBe('rgb(190,190,190)');
    expect(s.color(0.4)).toBe('rgb(178,24,43)');
    expect(s.color(0.1)).toBe('rgb(33,102,172)');
    // Beyond the range it stays at the end colours.
    expect(s.color(1)).toBe(s.color(0.4));
  });

  it('tells a near-uniform gate’s weights apart (0.46 against 0.54 for two TAs)', () => {
    const s = divergingScale(2, { min: 0.46, max: 0.54 });
    expect(s.color(0.46)).not.toBe(s.color(0.54));
    expect(s.color(0.46)).toBe('rgb(33,102,172)');
  });

  it('gives a legend that spans the same range, centre in the middle', () => {
    const s = divergingScale(2, { min: 0.3, max: 0.55 });
    const w = legendWeights(s, 9);
    expect(w[0]).toBeCloseTo(0.3, 12);
    expect(w[4]).toBeCloseTo(0.5, 12);
    expect(w[8]).toBeCloseTo(0.7, 12);
  });

  it('keeps colours defined when every weight is 1/m', () => {
    const s = divergingScale(3, { min: 1 / 3, max: 1 / 3 });
    expect(s.color(1 / 3)).toBe('rgb(190,190,190)');
  });
});
