import type { ColumnChoice } from '../../main/data/parse-delimited';
import type { Format } from '../../main/contract';

/**
 * Files an import must refuse, each with the exact reason and line it must name. The parser
 * tests check the messages; the CLI tests check them again and that the store is unchanged.
 */
export interface Refusal {
  what: string;
  name: string;
  content: string | Buffer;
  format: Format;
  columns?: ColumnChoice;
  /** The line named, if the reason concerns one. */
  line?: number;
  reason: string;
}

const past1MiB = (() => {
  const lines = Array.from({ length: 120_000 }, (_, k) => `3 ${k} ${k + 1} ${k + 2}`);
  lines[100_000] = '2 1\u00002';
  return `${lines.join('\n')}\n`;
})();

export const REFUSALS: Refusal[] = [
  {
    what: 'a fractional count',
    name: 'users.dat',
    content: '1.5 3\n',
    format: 'usersdat',
    line: 1,
    reason: "the first field '1.5' must be the line's item count (a non-negative integer)",
  },
  {
    what: 'a text count',
    name: 'users.dat',
    content: '2 1 2\nx 3 4\n',
    format: 'usersdat',
    line: 2,
    reason: "the first field 'x' must be the line's item count (a non-negative integer)",
  },
  {
    what: 'a control character in an id',
    name: 'users.dat',
    content: '2 1 2\n1 a\u0007b\n',
    format: 'auto',
    line: 2,
    reason: "item id 'a\\u0007b' contains a control character",
  },
  {
    what: 'a NUL byte past the first megabyte',
    name: 'users.dat',
    content: past1MiB,
    format: 'usersdat',
    line: 100_001,
    reason: 'binary content (NUL byte); expected a text file',
  },
  {
    what: 'binary junk',
    name: 'x.csv',
    content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 10]),
    format: 'auto',
    line: 1,
    reason: 'binary content (NUL byte); expected a text file',
  },
  {
    what: 'an empty id',
    name: 'x.csv',
    content: 'user,item\n1,2\n1,\n',
    format: 'csv',
    line: 3,
    reason: 'empty item id',
  },
  {
    what: 'too few columns',
    name: 'x.csv',
    content: '1,2\n3\n',
    format: 'csv',
    line: 2,
    reason: 'expected at least 2 columns, found 1',
  },
  {
    what: 'a column name not in the header',
    name: 'x.csv',
    content: 'a,b\n1,2\n',
    format: 'csv',
    columns: { userCol: 'member' },
    line: 1,
    reason: "no column named 'member' in the first row ('a', 'b')",
  },
  {
    what: 'no delimiter',
    name: 'x.csv',
    content: 'hello world\n',
    format: 'csv',
    line: 1,
    reason: 'cannot find a delimiter (tab, comma, semicolon or |) separating user and item columns',
  },
  {
    what: 'an id with a line break',
    name: 'x.csv',
    content: 'user,item\n1,"a\nb"\n',
    format: 'csv',
    line: 3,
    reason: "item id 'a\\u000ab' contains a control character",
  },
  {
    what: 'an id of 300 characters (clipped in the message)',
    name: 'x.csv',
    content: `user,item\n1,${'x'.repeat(300)}\n`,
    format: 'csv',
    line: 2,
    reason: `item id '${'x'.repeat(40)}… (260 more characters)' is longer than 256 characters`,
  },
  {
    what: 'a malformed MovieLens record',
    name: 'ratings.dat',
    content: '1::2::3::4\n12345\n',
    format: 'movielens',
    line: 2,
    reason: "expected 'user::movie::rating::timestamp'",
  },
  {
    what: 'an empty file',
    name: 'e.dat',
    content: '',
    format: 'auto',
    reason: 'file is empty',
  },
  {
    what: 'only blank lines',
    name: 'b.dat',
    content: '\n\n  \n',
    format: 'auto',
    reason: 'file has no non-blank line',
  },
];

/** The message a refusal of `file` must carry. */
export const refusalMessage = (file: string, r: Refusal): string =>
  `${file}${r.line === undefined ? '' : `:${r.line}`}: ${r.reason}`;
