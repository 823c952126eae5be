import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hkd } from '../support/cli';
import { REFUSALS, refusalMessage, type Refusal } from '../support/import-corpus';
import { tempDir, tempFile, usersDat } from '../support/tmp';
import { HKD_BIN } from '../support/hkd-bin';

// What the store looks like after an import is refused: exactly as before, and no home is
// created for a command that failed. Commands run in-process (fast) except where another user
// is needed, which is a process of its own.

/** Every file under home with its size, and the dataset list: all a refusal must leave alone. */
async function snapshot(home: string) {
  const files = readdirSync(home, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('hkd.sqlite'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  const list = await hkd(home, 'dataset', 'list', '--json');
  return { files, datasets: list.out };
}

describe('refused imports', () => {
  const flags = (r: Refusal) => [
    ...(r.format === 'auto' ? [] : ['--format', r.format]),
    ...(r.columns?.userCol ? ['--user-col', r.columns.userCol] : []),
    ...(r.columns?.itemCol ? ['--item-col', r.columns.itemCol] : []),
  ];
  const tooFewUsers: Refusal = {
    what: 'too few users once filtered',
    name: 'users.dat',
    content: '2 1 2\n',
    format: 'auto',
    reason: 'no user has at least 5 interactions after filtering',
  };

  it.each([...REFUSALS, tooFewUsers])(
    'leaves the store exactly as it was after $what',
    async (refusal) => {
      const home = tempDir();
      const good = tempFile('users.dat', usersDat(40, 700, 8));
      expect((await hkd(home, 'dataset', 'import', good, '--name', 'ok')).code).toBe(0);
      const before = await snapshot(home);
      const f = tempFile(refusal.name, refusal.content);
      const r = await hkd(home, 'dataset', 'import', f, '--name', 'bad', ...flags(refusal));
      expect(r.code).toBe(2);
      expect(r.err).toBe(`error: ${refusalMessage(f, refusal)}`);
      expect(await snapshot(home)).toEqual(before);
    },
  );

  it('echoes a huge or strange name bounded and escaped, on one line', async () => {
    const home = tempDir();
    const f = tempFile('users.dat', usersDat(40, 700, 8));
    const name = `\u001b[31m${'x'.repeat(10_000_000)}\n`;
    const r = await hkd(home, 'dataset', 'import', f, '--name', name);
    expect(r.code).toBe(2);
    expect(r.err.length).toBeLessThan(1200);
    // eslint-disable-next-line no-control-regex
    expect(r.err).not.toMatch(/[\u0000-\u001f]/);
    expect(r.err).toMatch(/^error: invalid dataset name '\\u001b\[31mxxx.*more characters\)$/);
  });

  it('creates no home for an import that fails', async () => {
    const home = join(tempDir(), 'fresh');
    const r = await hkd(home, 'dataset', 'import', join(tempDir(), 'missing.dat'), '--name', 'x');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/missing\.dat: cannot read: no such file$/);
    expect(existsSync(home)).toBe(false);
  });

  it('says errors as one JSON document with --json', async () => {
    const home = tempDir();
    const f = tempFile('users.dat', '2 1 2\n');
    const r = await hkd(home, 'dataset', 'import', f, '--name', 'x', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toEqual({
      error: {
        kind: 'invalid',
        message: `${f}: no user has at least 5 interactions after filtering`,
        exitCode: 2,
      },
    });
    const usage = await hkd(home, 'dataset', 'show', '--json');
    expect(JSON.parse(usage.out)).toMatchObject({ error: { kind: 'usage', exitCode: 2 } });
    const missing = await hkd(home, 'runs', 'show', '99', '--json');
    expect(JSON.parse(missing.out)).toMatchObject({ error: { kind: 'not-found' } });
  });

  it('warns about users.dat counts that disagree with the ids, naming the first place', async () => {
    const home = tempDir();
    const lines = usersDat(40, 700, 8).trim().split('\n');
    lines[3] = lines[3].replace(/^\d+/, '99');
    const f = tempFile('users.dat', `${lines.join('\n')}\n`);
    const r = await hkd(home, 'dataset', 'import', f, '--name', 'c', '--json');
    const warning = `1 line declare an item count that differs from the ids listed (first: ${f}:4: declares 99 items, lists 8); the listed ids were imported`;
    expect(r.err).toBe(`warning: ${warning}`);
    expect(JSON.parse(r.out).stats.warnings).toEqual([warning]);
  });

  it('refuses a run on a catalogue too small for 499 candidates, with the number that fits', async () => {
    const home = tempDir();
    const f = tempFile('users.dat', usersDat(40, 300, 8));
    expect((await hkd(home, 'dataset', 'import', f, '--name', 'small')).code).toBe(0);
    const { items } = JSON.parse((await hkd(home, 'dataset', 'show', 'small', '--json')).out).stats;
    const fit = items - 8;
    const before = await hkd(home, 'runs', 'list', '--json');
    const train = ['train', '--dataset', 'small', '--model', 'BPR', '--dim', '4'];
    const r = await hkd(home, ...train);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `error: dataset 'small' has ${items} items and a user with 8 of them, so at most ${fit} unobserved candidates fit, not 499: pass --candidates ${fit} (or fewer)`,
    );
    expect((await hkd(home, 'runs', 'list', '--json')).out).toBe(before.out);
    const queued = await hkd(home, ...train, '--queue');
    expect(queued.code).toBe(2);
    const fits = await hkd(
      home,
      ...train,
      '--candidates',
      String(fit),
      '--max-epochs',
      '1',
      '--json',
    );
    expect(fits.code, fits.err).toBe(0);
  });
});

describe('files and homes another user cannot write or read', () => {
  // Root reads everything: the checks run the CLI as `nobody` (as root) or rely on the
  // permissions themselves (as anyone else).
  const root = process.getuid?.() === 0;
  const asOther = (args: string[]) =>
    spawnSync(process.execPath, [HKD_BIN, ...args], {
      encoding: 'utf8',
      ...(root ? { uid: 65534, gid: 65534 } : {}),
    });
  /** A folder `nobody` may enter (temp dirs are private to their owner). */
  const shared = () => {
    const d = tempDir();
    chmodSync(d, 0o755);
    return d;
  };

  it('refuses an unreadable file as `file: cannot read: permission denied`, exit 2', () => {
    const dir = shared();
    const f = join(dir, 'users.dat');
    writeFileSync(f, usersDat(40, 700, 8));
    chmodSync(f, 0o000);
    const home = join(dir, 'home');
    mkdirSync(home, { mode: 0o777 });
    chmodSync(home, 0o777);
    const r = asOther(['--home', home, 'dataset', 'import', f, '--name', 'x']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`error: ${f}: cannot read: permission denied`);
  });

  it('lists and shows datasets in a home it may not write, and says why it cannot import', async () => {
    const home = join(shared(), 'home');
    expect((await hkd(home, 'setup')).code).toBe(0);
    chmodSync(home, 0o755);
    if (!root) chmodSync(join(home, 'hkd.sqlite'), 0o444);
    const list = asOther(['--home', home, 'dataset', 'list']);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/demo/);
    expect(asOther(['--home', home, 'runs', 'list']).status).toBe(0);
    const f = join(home, '..', 'u.dat');
    writeFileSync(f, usersDat(40, 700, 8));
    chmodSync(f, 0o644);
    const imp = asOther(['--home', home, 'dataset', 'import', f, '--name', 'y']);
    expect(imp.status).toBe(2);
    expect(imp.stderr.trim().split('\n')).toHaveLength(1);
    expect(imp.stderr).toMatch(
      /error: cannot write .*: (permission denied|the data directory is read-only)/,
    );
  });
});
