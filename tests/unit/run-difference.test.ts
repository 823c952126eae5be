import { describe, expect, it } from 'vitest';
import { runDifference } from '../../main/cli/plot-command';
import { NotFoundError } from '../../main/errors';

/** Resolves ids as the CLI does (any number) and these labels; anything else is not found. */
const resolver = (labels: Record<string, number>) => (text: string) => {
  if (/^\d+$/.test(text)) return Number(text);
  if (text in labels) return labels[text];
  throw new NotFoundError(`run labelled '${text}'`, Object.keys(labels));
};

describe('a run or a difference of runs, as `hkd runs plot` reads them', () => {
  const runs = resolver({ 'de-20': 3, 'hyperkdma-de-m8-20': 19, 'a-1': 7 });

  it('reads one run, by id or by a label with hyphens', () => {
    expect(runDifference(runs, '4')).toEqual([4]);
    expect(runDifference(runs, ' de-20 ')).toEqual([3]);
  });

  it('splits at the one hyphen that leaves a run on each side', () => {
    expect(runDifference(runs, '4-3')).toEqual([4, 3]);
    expect(runDifference(runs, 'hyperkdma-de-m8-20-de-20')).toEqual([19, 3]);
    expect(runDifference(runs, 'de-20-2')).toEqual([3, 2]);
  });

  it('refuses a spec that splits two ways, or no way, saying so', () => {
    const twoWays = resolver({ a: 9, '1-b': 8, 'a-1': 7, b: 10 });
    expect(() => runDifference(twoWays, 'a-1-b')).toThrow(
      "'a-1-b' reads as #9 minus #8 or as #7 minus #10: give the runs by id",
    );
    expect(() => runDifference(runs, 'de-21')).toThrow(
      /^run labelled 'de-21' not found; did you mean 'de-20'\?; nor is 'de-21' two runs joined by '-'/,
    );
  });
});
