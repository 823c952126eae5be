import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportBundle } from '../../main/ops/bundle-export';
import { importBundle } from '../../main/ops/bundle-import';
import { synthDataset } from '../../main/ops/datasets';
import { runDistill } from '../../main/ops/distill';
import { createSweep, sweepView } from '../../main/ops/sweeps';
import { runTraining } from '../../main/ops/train';
import { listArtifacts } from '../../main/store/artifacts';
import { Store } from '../../main/store/db';
import { getEpochs, getRun, listRuns } from '../../main/store/runs';
import { hkd } from '../support/cli';
import { tempDir } from '../support/tmp';

const BIN = join(__dirname, '..', '..', 'bin', 'hkd.cjs');
const FAST = { lr: 0.01, reg: 1e-4, batch: 128, maxEpochs: 2, patience: 100 };

function home(seed = 3): Store {
  const s = new Store(tempDir());
  synthDataset(s, { name: 'demo', users: 300, items: 650, seed });
  return s;
}

/** What a run is, independent of the home it is in. */
function portable(s: Store, id: number) {
  const r = getRun(s, id);
  return {
    uid: r.uid,
    kind: r.kind,
    method: r.method,
    summary: r.summary,
    epochs: getEpochs(s, id),
    files: listArtifacts(s, id)
      .map((a) => [
        a.kind,
        createHash('sha256')
          .update(readFileSync(join(s.home, a.path)))
          .digest('hex'),
      ])
      .sort(),
  };
}

describe('run bundles', () => {
  it('export → import into a fresh home gives the same runs; twice adds nothing; another dataset is refused', async () => {
    const a = home();
    const t = (await runTraining(a, { dataset: 'demo', model: 'BPR', dim: 16, ...FAST })).run;
    const s = (
      await runDistill(a, {
        dataset: 'demo',
        teacher: t.id,
        method: 'HyperKDMA-DE',
        numTas: 1,
        studentDim: 4,
        experts: 3,
        ...FAST,
      })
    ).run;
    const file = join(tempDir(), 'student.hkdb');
    // The student alone is named; its teacher travels with it.
    expect(exportBundle(a, [s.id], file, { dataset: true, checkpoints: true }).runs).toEqual([
      t.id,
      s.id,
    ]);

    const b = new Store(tempDir());
    const got = importBundle(b, file);
    expect(got.dataset).toBe('demo');
    expect(got.runs.map((r) => r.added)).toEqual([true, true]);
    const [tb, sb] = got.runs.map((r) => r.id);
    expect(portable(b, tb)).toEqual(portable(a, t.id));
    expect(portable(b, sb)).toEqual(portable(a, s.id));
    // The student is linked to the teacher as it is in this home.
    expect(getRun(b, sb).teacherRunId).toBe(tb);
    expect(getRun(b, sb).config).toMatchObject({ teacher: tb, guideRuns: [tb] });
    // Its results read here: the gate inspector's file came along.
    expect(listArtifacts(b, sb).map((x) => x.kind)).toContain('gates');

    expect(importBundle(b, file).runs.map((r) => r.added)).toEqual([false, false]);
    expect(listRuns(b)).toHaveLength(2);

    // The same name, other data: refused, and nothing changes.
    const c = home(4);
    expect(() => importBundle(c, file)).toThrow(
      /holds runs of dataset 'demo' with fingerprint .* but this home's 'demo' is another file/,
    );
    expect(listRuns(c)).toEqual([]);
    // Without the dataset, a home lacking it is told what to import.
    const bare = join(tempDir(), 'bare.hkdb');
    exportBundle(a, [t.id], bare);
    expect(() => importBundle(new Store(tempDir()), bare)).toThrow(
      /which this home does not have: import the same file first/,
    );
    // A damaged file is named.
    const junk = join(tempDir(), 'junk.hkdb');
    writeFileSync(junk, 'not a tarball');
    expect(() => importBundle(new Store(tempDir()), junk)).toThrow(/junk.hkdb is not a run bundle/);
  }, 120_000);

  it('a sweep planned as a shell script, run in a fresh home and imported back, is complete', async () => {
    const a = home();
    const { sweepId } = await createSweep(
      a,
      {
        name: 'plan',
        dataset: 'demo',
        teacherDim: 16,
        studentDim: 4,
        methods: ['Teacher', 'DE', 'Student'],
        axes: [{ param: 'lambdaT', values: [0.01, 0.1] }],
        settings: { ...FAST, experts: 3 },
      },
      false,
    );
    expect((await sweepView(a, sweepId)).completed).toBe(0);
    const dir = tempDir();
    const plan = await hkd(a.home, 'sweep', 'plan', String(sweepId), '--out', dir);
    expect(plan.code).toBe(0);
    expect(plan.err).toMatch(/4 run\(s\) in 2 group\(s\)/);
    // The Slurm form: one array task per group, valid bash.
    const slurm = await hkd(a.home, 'sweep', 'plan', String(sweepId), '--format', 'slurm');
    expect(slurm.out).toMatch(/#SBATCH --array=1-2\n/);
    expect(slurm.out).toContain('HERE="${SLURM_SUBMIT_DIR:-');
    execFileSync('bash', ['-n'], { input: slurm.out });
    const out = join(dir, 'bundles');
    execFileSync('sh', [join(dir, `sweep-${sweepId}.sh`)], {
      env: { ...process.env, HKD: `node ${BIN}`, HKD_HOME: tempDir(), OUT: out },
      stdio: 'pipe',
    });
    const bundles = readdirSync(out).map((f) => join(out, f));
    expect(bundles).toHaveLength(2);
    const imported = await hkd(a.home, 'runs', 'import', ...bundles);
    expect(imported.code).toBe(0);
    const view = await sweepView(a, sweepId);
    expect(view.completed).toBe(view.total);
    expect(view.cells.every((c) => c.H5.n === 1)).toBe(true);
    // Its figure and grid as files, from the terminal.
    const [svg, csv] = [join(dir, 'fig.svg'), join(dir, 'grid.csv')];
    const shown = await hkd(a.home, 'sweep', 'show', String(sweepId), '--svg', svg, '--csv', csv);
    expect(shown.out).toMatch(/: 6\/6 runs completed/);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg .*lambda-t.*<\/svg>$/s);
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toMatch(/^lambda-t,method,n,H@5 mean/);
    // Nothing is left to plan.
    expect((await hkd(a.home, 'sweep', 'plan', String(sweepId))).out).toMatch(/nothing to plan/);
  }, 240_000);
});
