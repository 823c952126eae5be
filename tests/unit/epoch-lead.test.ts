import { describe, expect, it } from 'vitest';
import { leadBlocks } from '../../main/shared/epoch-lead';
import { validH5Epochs as run } from '../support/epochs';

describe("a run's lead over another, over blocks of epochs", () => {
  const a = run([0.3, 0.5, 0.4, NaN, 0.6, 0.7, 0.9]);
  const b = run([0.4, 0.3, 0.4, 0.2, 0.5]);

  it('counts epochs ahead and behind and averages the lead where both runs have a value', () => {
    const blocks = leadBlocks(a, b, 'valid.H5', 2);
    // Epochs 6–7 only `a` trained; epoch 4's value is not finite in `a`; epoch 3 is a tie.
    expect(
      blocks.map(({ from, to, epochs, ahead, behind }) => [from, to, epochs, ahead, behind]),
    ).toEqual([
      [1, 2, 2, 1, 1],
      [3, 4, 1, 0, 0],
      [5, 5, 1, 1, 0],
      [1, 5, 4, 2, 1],
    ]);
    expect(blocks[0].mean).toBeCloseTo((-0.1 + 0.2) / 2, 12);
    expect(blocks[1].mean).toBe(0);
    expect(blocks[3].mean).toBeCloseTo((-0.1 + 0.2 + 0 + 0.1) / 4, 12);
  });

  it('starts at a given epoch, and gives one block when one covers the span', () => {
    const [only, ...more] = leadBlocks(a, b, 'valid.H5', 10, 2);
    expect(more).toEqual([]);
    expect(only).toMatchObject({ series: 'valid.H5', from: 2, to: 5, epochs: 3, ahead: 2 });
    expect(only.mean).toBeCloseTo(0.1, 12);
    expect(leadBlocks(a, b, 'valid.H5', 10, 6)).toEqual([]);
  });

  it('has no mean where no epoch has the series in both runs', () => {
    expect(leadBlocks(a, b, 'ta0.norm', 5)).toEqual([
      { series: 'ta0.norm', from: 1, to: 5, epochs: 0, ahead: 0, behind: 0, mean: null },
    ]);
  });
});
