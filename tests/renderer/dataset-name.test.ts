import { describe, expect, it } from 'vitest';
import { formatLabel, suggestName } from '../../renderer/src/lib/dataset-name';

describe('the import form', () => {
  it('suggests a dataset name from the file, or its folder when the file name is generic', () => {
    expect(suggestName('yelp 2018.csv')).toBe('yelp-2018');
    expect(suggestName('users.dat', 'citeulike')).toBe('citeulike');
    expect(suggestName('ratings.dat', 'ml-1m')).toBe('ml-1m');
    expect(suggestName('users.dat')).toBe('');
    expect(suggestName('.hidden.csv')).toBe('hidden');
  });

  it('names formats as users know them', () => {
    expect(['usersdat', 'csv', 'movielens', 'odd'].map(formatLabel)).toEqual([
      'users.dat',
      'CSV/TSV',
      'MovieLens',
      'odd',
    ]);
  });
});
