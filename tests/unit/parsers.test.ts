import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat, readInteractions } from '../../main/data/read-interactions';
import { InputError } from '../../main/errors';
import { tempDir, tempFile } from '../support/tmp';

async function parseError(file: string, format: Parameters<typeof readInteractions>[1] = 'auto') {
  try {
    await readInteractions(file, format);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected the parser to reject the file');
}

describe('users.dat', () => {
  it('reads ids from the tokens, numbers users by line and collapses duplicates', async () => {
    const f = tempFile('users.dat', '3 10 11 12\n2 12 10\n4 7 7 8 9\n');
    const { raw, format } = await readInteractions(f, 'auto');
    expect(format).toBe('usersdat');
    expect(raw.users).toEqual([0, 1, 2]);
    expect(raw.items).toEqual([
      [10, 11, 12],
      [12, 10],
      [7, 8, 9],
    ]);
    expect(raw.duplicates).toBe(1);
    expect(raw.countMismatches).toBe(0);
  });

  it('tolerates a count that disagrees with the ids and reports it', async () => {
    const { raw } = await readInteractions(tempFile('users.dat', '5 1 2\n1 3\n'), 'usersdat');
    expect(raw.items).toEqual([[1, 2], [3]]);
    expect(raw.countMismatches).toBe(1);
  });

  it('accepts CRLF line ends and a missing final newline', async () => {
    const { raw } = await readInteractions(tempFile('u.dat', '2 1 2\r\n1 5'), 'usersdat');
    expect(raw.items).toEqual([[1, 2], [5]]);
  });

  it.each([
    ['a non-integer id', '2 1 2\n2 3 x4\n', 2, /item id 'x4' is not an integer/],
    ['a negative id', '2 1 -2\n', 1, /item id -2 is negative/],
    ['a fractional count', '1.5 3\n', 1, /count id '1.5' is not an integer/],
    ['an empty line', '2 1 2\n\n1 3\n', 2, /empty line/],
  ])('rejects %s naming file and line', async (_what, content, line, reason) => {
    const f = tempFile('users.dat', content);
    const e = await parseError(f, 'usersdat');
    expect(e.file).toBe(f);
    expect(e.line).toBe(line);
    expect(e.message).toMatch(reason);
    expect(e.message.startsWith(`${f}:${line}: `)).toBe(true);
  });
});

describe('CSV / TSV', () => {
  it('detects a header, uses named columns and ignores extra ones', async () => {
    const f = tempFile('r.csv', 'rating,movieId,userId\n5,10,1\n3,11,1\n4,10,2\n');
    const { raw, format } = await readInteractions(f, 'auto');
    expect(format).toBe('csv');
    expect(raw.users).toEqual([1, 2]);
    expect(raw.items).toEqual([[10, 11], [10]]);
  });

  it('takes the first two columns of a headerless tab-separated file', async () => {
    const f = tempFile('x.tsv', '7\t1\t0.5\n7\t2\t0.1\n8\t1\t0.2\n7\t1\t0.9\n');
    const { raw } = await readInteractions(f, 'csv');
    expect(raw.items).toEqual([[1, 2], [1]]);
    expect(raw.duplicates).toBe(1);
  });

  it('names the line of a bad id', async () => {
    const f = tempFile('x.csv', 'user,item\n1,2\n1,abc\n');
    const e = await parseError(f);
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/item id 'abc' is not an integer/);
  });

  it('rejects rows with too few columns', async () => {
    const f = tempFile('x.csv', '1,2\n3\n');
    const e = await parseError(f, 'csv');
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/at least 2 columns/);
  });

  it('rejects a file with no delimiter', async () => {
    const e = await parseError(tempFile('x.csv', 'hello world\n'), 'csv');
    expect(e.message).toMatch(/cannot find a delimiter/);
  });
});

describe('MovieLens', () => {
  it('reads ratings.dat (::) with every rating as an interaction', async () => {
    const f = tempFile(
      'ratings.dat',
      '1::1193::5::978300760\n1::661::3::978302109\n2::1193::1::1\n',
    );
    const { raw, format } = await readInteractions(f, 'auto');
    expect(format).toBe('movielens');
    expect(raw.items).toEqual([[1193, 661], [1193]]);
  });

  it('reads ratings.csv', async () => {
    const f = tempFile(
      'ratings.csv',
      'userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1\n',
    );
    const { raw } = await readInteractions(f, 'movielens');
    expect(raw.items).toEqual([[31, 1029]]);
  });

  it('names the line of a malformed record', async () => {
    const e = await parseError(tempFile('ratings.dat', '1::2::3::4\n12345\n'), 'movielens');
    expect(e.line).toBe(2);
  });
});

describe('files that are not interaction files', () => {
  it('rejects an empty file', async () => {
    expect((await parseError(tempFile('e.dat', ''))).message).toMatch(/file is empty/);
  });

  it('rejects a directory', async () => {
    const d = join(tempDir(), 'dir');
    mkdirSync(d);
    expect((await parseError(d)).message).toMatch(/is a directory/);
  });

  it('rejects a missing file', async () => {
    expect((await parseError(join(tempDir(), 'nope.dat'))).message).toMatch(/cannot read: ENOENT/);
  });

  it('rejects binary content', async () => {
    const f = tempFile('b.dat', Buffer.from([0x31, 0x20, 0x32, 0x0a, 0x00, 0xff, 0x10]));
    expect((await parseError(f, 'usersdat')).message).toMatch(/binary content/);
  });

  it('rejects a blank-only file', async () => {
    expect((await parseError(tempFile('w.dat', '\n  \n'))).message).toMatch(/no non-blank line/);
  });

  it('rejects users.dat content with only zero counts', async () => {
    expect((await parseError(tempFile('z.dat', '0\n0\n'), 'usersdat')).message).toMatch(
      /no interactions found/,
    );
  });

  it('detects formats from content', async () => {
    expect(await detectFormat(tempFile('a.txt', '3 1 2 3\n'))).toBe('usersdat');
    expect(await detectFormat(tempFile('a.txt', '1,2\n'))).toBe('csv');
    expect(await detectFormat(tempFile('a.txt', '1::2::3::4\n'))).toBe('movielens');
    await expect(detectFormat(tempFile('a.txt', 'what is this\n'))).rejects.toThrow(
      /cannot detect/,
    );
  });
});
