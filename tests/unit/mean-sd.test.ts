import { describe, expect, it } from 'vitest';
import { meanSd, median } from '../../main/shared/mean-sd';

describe('summaries over seeds and epochs', () => {
  it('gives the mean and the sample standard deviation (n − 1)', () => {
    expect(meanSd([0.4472, 0.451, 0.4413])).toEqual({
      mean: expect.closeTo(0.4465, 5),
      sd: expect.closeTo(0.0048877, 6),
      n: 3,
    });
    expect(meanSd([2])).toEqual({ mean: 2, sd: null, n: 1 });
    expect(meanSd([])).toEqual({ mean: null, sd: null, n: 0 });
  });

  it('gives the middle value, or the mean of the two middle ones, whatever the order', () => {
    expect(median([3, 1000, 1])).toBe(3);
    expect(median([4, 1, 100, 2])).toBe(3);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });
});
