/** File names that say nothing about the dataset: its folder names it better. */
const GENERIC =
  /^(users?|ratings?|data|dataset|train|test|interactions?|edges|items?|u|checkins?)$/i;

const clean = (s: string) =>
  s
    .replace(/\.[^.]+$/, '')
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);

/**
 * A dataset name to suggest for a picked file: its own name (`yelp-2018.csv` → `yelp-2018`), or
 * for a generic one (`users.dat`, `ratings.csv`) its folder's (`citeulike/users.dat` →
 * `citeulike`); empty when neither says anything, so the user names it.
 */
export function suggestName(file: string, folder?: string): string {
  const base = clean(file);
  if (base && !GENERIC.test(base)) return base;
  return folder ? clean(folder) : '';
}

/** How the UI names a format code. */
export const FORMAT_LABELS: Record<string, string> = {
  auto: 'auto',
  usersdat: 'users.dat',
  csv: 'CSV/TSV',
  movielens: 'MovieLens',
  synthetic: 'synthetic',
  unknown: 'unknown',
};
export const formatLabel = (code: string): string => FORMAT_LABELS[code] ?? code;
