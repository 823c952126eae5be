import { describe, expect, it } from 'vitest';
import { countTick, degreeBin, degreeHistogram } from '../../renderer/src/lib/histogram';

describe('degree histograms', () => {
  it('label bins by where they start and say the whole bin on hover', () => {
    const h = degreeHistogram('users', [0, 3, 10, 200, 7, 1, 0, 0, 0, 0, 1]);
    expect(h.data.labels).toEqual([
      '1',
      '2',
      '4',
      '8',
      '16',
      '32',
      '64',
      '128',
      '256',
      '512',
      '1.02K',
    ]);
    expect([0, 1, 4].map(degreeBin)).toEqual(['degree 1', 'degree 2–3', 'degree 16–31']);
  });

  it('tick the count axis at powers of ten only', () => {
    expect([0.1, 1, 2, 3, 10, 50, 100, 1000, 10000].map(countTick)).toEqual([
      '0.1',
      '1',
      '',
      '',
      '10',
      '',
      '100',
      '1K',
      '10K',
    ]);
  });
});
