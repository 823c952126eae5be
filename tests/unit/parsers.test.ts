import { appendFileSync, mkdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat, readInteractions } from '../../main/data/read-interactions';
import type { Format } from '../../main/contract';
import type { RawInteractions } from '../../main/data/raw';
import type { ColumnChoice } from '../../main/data/parse-delimited';
import { InputError } from '../../main/errors';
import { prepareImport } from '../../main/ops/datasets';
import { REFUSALS, refusalMessage } from '../support/import-corpus';
import { tempDir, tempFile } from '../support/tmp';

// The import corpus: every kind of file users really have, generated here, with the exact
// interactions each must give or the exact `file:line: reason` it must be refused with.

async function parseError(file: string, format: Format = 'auto', columns: ColumnChoice = {}) {
  try {
    await readInteractions(file, format, undefined, columns);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected the parser to reject the file');
}

/** Each user's original id with its items' original ids, in file order. */
const byUser = (raw: RawInteractions): Record<string, string[]> =>
  Object.fromEntries(raw.users.map((u, k) => [u, raw.items[k].map((c) => raw.itemIds[c])]));

async function read(name: string, content: string | Buffer, format: Format = 'auto', cols = {}) {
  return readInteractions(tempFile(name, content), format, undefined, cols);
}

describe('users.dat', () => {
  it('reads ids from the tokens, numbers users by line and collapses duplicates', async () => {
    const { raw, format } = await read('users.dat', '3 10 11 12\n2 12 10\n4 7 7 8 9\n');
    expect(format).toBe('usersdat');
    expect(byUser(raw)).toEqual({ 0: ['10', '11', '12'], 1: ['12', '10'], 2: ['7', '8', '9'] });
    expect(raw.duplicates).toBe(1);
    expect(raw.warnings).toEqual([]);
  });

  it('reports counts that disagree with the ids as one warning with the first place', async () => {
    const f = tempFile('users.dat', '5 1 2\n1 3\n0 4 5\n');
    const { raw } = await readInteractions(f, 'usersdat');
    expect(byUser(raw)).toEqual({ 0: ['1', '2'], 1: ['3'], 2: ['4', '5'] });
    expect(raw.warnings).toEqual([
      `2 lines declare an item count that differs from the ids listed (first: ${f}:1: declares 5 items, lists 2); the listed ids were imported`,
    ]);
  });

  it.each([
    ['LF', '2 1 2\n1 5\n'],
    ['CRLF', '2 1 2\r\n1 5\r\n'],
    ['CR only (classic Mac)', '2 1 2\r1 5\r'],
    ['no final line break', '2 1 2\n1 5'],
    ['a byte-order mark', '\ufeff2 1 2\n1 5\n'],
    ['blank lines at the end', '2 1 2\n1 5\n\n\n  \n'],
    ['tabs between the fields', '2\t1\t2\n1\t5\n'],
  ])('reads %s', async (_what, content) => {
    const { raw, format } = await read('users.dat', content);
    expect(format).toBe('usersdat');
    expect(byUser(raw)).toEqual({ 0: ['1', '2'], 1: ['5'] });
  });

  it('takes a blank line inside for a user with no items: the next user keeps its position', async () => {
    const { raw } = await read('users.dat', '2 1 2\n\n1 5\n');
    expect(byUser(raw)).toEqual({ 0: ['1', '2'], 2: ['5'] });
  });

  it('detects a tab-separated users.dat under another name, not as a CSV', async () => {
    const f = tempFile('citeulike.txt', '3\t10\t11\t12\n2\t12\t10\n1\t7\n');
    expect(await detectFormat(f)).toBe('usersdat');
  });
});

describe('CSV / TSV', () => {
  it('detects a header, uses named columns and ignores extra ones', async () => {
    const { raw, format } = await read('r.csv', 'rating,movieId,userId\n5,10,1\n3,11,1\n4,10,2\n');
    expect(format).toBe('csv');
    expect(byUser(raw)).toEqual({ 1: ['10', '11'], 2: ['10'] });
  });

  it.each([
    ['userId,movieId', 'userId,movieId,rating\n1,10,5\n1,11,3\n2,10,4\n'],
    ['user_id,item_id', 'user_id,item_id\n1,10\n1,11\n2,10\n'],
    ['reviewerID,asin', 'asin,reviewerID,overall\n10,1,5.0\n11,1,4.0\n10,2,3.0\n'],
    ['user,item', 'item\tuser\n10\t1\n11\t1\n10\t2\n'],
  ])('recognises the header %s', async (_what, content) => {
    const { raw } = await read('ratings.csv', content);
    expect(byUser(raw)).toEqual({ 1: ['10', '11'], 2: ['10'] });
  });

  it('accepts string ids (Amazon, Yelp) and keeps them, leading zeros included', async () => {
    const amazon =
      'A3E334,0000000116,4.0,1019865600\nA3E334,0000000868,5.0,1\nB2XZ,0000000116,3.0,2\n';
    const { raw } = await read('ratings_Books.csv', amazon);
    expect(byUser(raw)).toEqual({ A3E334: ['0000000116', '0000000868'], B2XZ: ['0000000116'] });
    const yelp = await read(
      'y.csv',
      'user_id,business_id,stars\nq_QQ5k-9s,Xk9=_a,5\nq_QQ5k-9s,z0,4\n',
    );
    expect(byUser(yelp.raw)).toEqual({ 'q_QQ5k-9s': ['Xk9=_a', 'z0'] });
    const prefixed = await read('u.tsv', 'u0\ti0\nu0\ti1\nu1\ti0\n');
    expect(byUser(prefixed.raw)).toEqual({ u0: ['i0', 'i1'], u1: ['i0'] });
  });

  it('takes a first row of text over integer rows for a header it does not know', async () => {
    const { raw } = await read('x.csv', 'who,what\n1,2\n1,3\n');
    expect(byUser(raw)).toEqual({ 1: ['2', '3'] });
  });

  it.each([
    ['CRLF', 'user,item\r\n1,2\r\n1,3\r\n\r\n2,2\r\n'],
    ['CR only', 'user,item\r1,2\r1,3\r2,2\r'],
    ['a byte-order mark before an item-first header', '\ufeffitem_id,user_id\n2,1\n3,1\n2,2\n'],
    ['blank lines at the end', 'user,item\n1,2\n1,3\n2,2\n\n\n'],
  ])('reads %s', async (_what, content) => {
    const { raw } = await read('x.csv', content);
    expect(byUser(raw)).toEqual({ 1: ['2', '3'], 2: ['2'] });
  });

  it('takes the columns given by name or position', async () => {
    const content = 'ts,member,thing\n9,a,x\n9,a,y\n9,b,x\n';
    const want = { a: ['x', 'y'], b: ['x'] };
    expect(
      byUser((await read('x.csv', content, 'csv', { userCol: 'member', itemCol: 'thing' })).raw),
    ).toEqual(want);
    const noHeader = '9,a,x\n9,a,y\n9,b,x\n';
    expect(
      byUser((await read('x.csv', noHeader, 'csv', { userCol: '2', itemCol: '3' })).raw),
    ).toEqual(want);
  });

  it('takes the first two columns of a headerless tab-separated file', async () => {
    const { raw } = await read('x.tsv', '7\t1\t0.5\n7\t2\t0.1\n8\t1\t0.2\n7\t1\t0.9\n', 'csv');
    expect(byUser(raw)).toEqual({ 7: ['1', '2'], 8: ['1'] });
    expect(raw.duplicates).toBe(1);
  });
});

describe('MovieLens', () => {
  it('reads ratings.dat (::) with every rating as an interaction', async () => {
    const { raw, format } = await read(
      'ratings.dat',
      '1::1193::5::978300760\n1::661::3::978302109\n2::1193::1::1\n',
    );
    expect(format).toBe('movielens');
    expect(byUser(raw)).toEqual({ 1: ['1193', '661'], 2: ['1193'] });
  });

  it('reads ratings.csv', async () => {
    const { raw } = await read(
      'ratings.csv',
      'userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1\n',
      'movielens',
    );
    expect(byUser(raw)).toEqual({ 1: ['31', '1029'] });
  });
});

describe('files that are not what they should be', () => {
  it.each(REFUSALS)('refuses $what, naming the file and the exact line', async (r) => {
    const f = tempFile(r.name, r.content);
    expect((await parseError(f, r.format, r.columns)).message).toBe(refusalMessage(f, r));
  });

  it.each([
    ['grown', (f: string) => appendFileSync(f, '9 9 9\n')],
    ['truncated', (f: string) => truncateSync(f, 5)],
  ])('refuses a file %s while it is read', async (_what, change) => {
    for (const [name, content] of [
      ['users.dat', '2 1 2\n2 3 4\n'.repeat(50_000)],
      ['x.csv', 'user,item\n'.concat('1,2\n2,3\n'.repeat(50_000))],
    ]) {
      const f = tempFile(name, content);
      let changed = false;
      const e = await prepareImport({ file: f, name: 'x' }, () => {
        if (!changed) change(f);
        changed = true;
      }).then(
        () => undefined,
        (err: unknown) => err as InputError,
      );
      expect(e?.message).toBe(
        `${f}: the file changed while it was read; import it again once it is complete`,
      );
    }
  });

  it.each([
    ['a directory', () => tempDir(), 'is a directory, not a file'],
    ['a missing file', () => join(tempDir(), 'nope.dat'), 'cannot read: no such file'],
  ])('refuses %s as file: reason', async (_what, make, reason) => {
    const f = make();
    expect((await parseError(f)).message).toBe(`${f}: ${reason}`);
  });

  it('refuses a directory given as a file', async () => {
    const dir = join(tempDir(), 'dir.csv');
    mkdirSync(dir);
    expect((await parseError(dir)).message).toBe(`${dir}: is a directory, not a file`);
  });
});
