import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hkd } from '../support/cli';
import { tempDir } from '../support/tmp';

const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'docs', 'fidelity');

// The fidelity runs FIDELITY.md reports ship as bundles: they must stay loadable, and stay
// comparable (paired) with runs trained here, as the format and the split code change.
describe('the shipped fidelity bundles', () => {
  it("import into a home with the repository's CiteULike, every run linked to its split", async () => {
    const home = tempDir();
    const users = join(ROOT, 'datasets', 'citeulike', 'users.dat');
    expect((await hkd(home, 'dataset', 'import', users, '--name', 'citeulike')).code).toBe(0);
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith('.hkdb'))
      .map((f) => join(DIR, f));
    expect(files.length).toBeGreaterThan(0);
    const r = await hkd(home, 'runs', 'import', ...files, '--json');
    expect(r.err).toBe('');
    const runs = (
      JSON.parse(r.out) as {
        runs: { id: number; uid: string; added: boolean; paired: boolean }[];
      }[]
    ).flatMap((b) => b.runs);
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.filter((x) => !x.paired)).toEqual([]);
    // A bundle carries the runs its runs were distilled from, so a teacher shipped in two bundles
    // is added by the first and recognised (not duplicated) by the second.
    const uids = new Set(runs.map((x) => x.uid));
    const added = runs.filter((x) => x.added);
    expect(added.map((x) => x.uid).sort()).toEqual([...uids].sort());
    // The table reads them: the teacher's row at the paper's size has the paper's beside it.
    const table = await hkd(home, 'compare', ...added.map((x) => String(x.id)));
    expect(table.err).toBe('');
    expect(table.out).toMatch(/paper: Teacher \(Table 2\)/);
  }, 60_000);
});
