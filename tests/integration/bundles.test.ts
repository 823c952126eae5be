import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { exportBundle } from '../../main/ops/bundle-export';
import { importBundle } from '../../main/ops/bundle-import';
import { analyzeClusters } from '../../main/ops/cluster-analysis';
import { gatesFile } from '../../main/ops/gates';
import { comparePaired } from '../../main/ops/paired-runs';
import { synthDataset } from '../../main/ops/datasets';
import { runDistill } from '../../main/ops/distill';
import { createSweep, sweepView } from '../../main/ops/sweeps';
import { runTraining } from '../../main/ops/train';
import { median } from '../../main/shared/mean-sd';
import { listArtifacts } from '../../main/store/artifacts';
import { Store } from '../../main/store/db';
import { getEpochs, getRun, listRuns } from '../../main/store/runs';
import { hkd } from '../support/cli';
import { tempDir } from '../support/tmp';
import { HKD_BIN } from '../support/hkd-bin';
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
    // Training states are those of the runs named: the teacher's stay behind.
    const TRAINING_STATES = ['checkpoint', 'resume'];
    expect(portable(b, tb)).toEqual({
      ...portable(a, t.id),
      files: portable(a, t.id).files.filter(([kind]) => !TRAINING_STATES.includes(kind)),
    });
    expect(portable(a, t.id).files.map(([kind]) => kind)).toEqual(
      expect.arrayContaining(TRAINING_STATES),
    );
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
    // The student's bundle from the terminal with the dataset, less what `flag` leaves out.
    const exportWithout = (file: string, flag: string) =>
      hkd(a.home, 'runs', 'export', String(s.id), '--out', file, flag, '--with-dataset');
    const kindsOf = (home: Store, id: number) =>
      listArtifacts(home, id)
        .map((x) => x.kind)
        .sort();
    // Results only (the representation tables left out): small, comparable, not distillable.
    const lean = join(tempDir(), 'lean.hkdb');
    const cli = await exportWithout(lean, '--no-embeddings');
    expect(cli.out).toMatch(/lean\.hkdb: runs #1, #2 \(\d+ KB\)$/);
    const d = new Store(tempDir());
    const [td, sd] = importBundle(d, lean).runs.map((r) => r.id);
    expect(kindsOf(d, td)).toEqual(['ranks']);
    expect(kindsOf(d, sd)).toEqual(['gates', 'ranks']);
    expect(comparePaired(d, sd, td, 5)).toEqual(comparePaired(a, s.id, t.id, 5));
    await expect(
      runDistill(d, { dataset: 'demo', teacher: td, method: 'DE', studentDim: 4, ...FAST }),
    ).rejects.toThrow(
      `run #${td} has no embeddings in this home: it came from a bundle exported with --no-embeddings`,
    );
    await expect(analyzeClusters(d, { runs: [sd] })).rejects.toThrow(
      /has no embeddings in this home/,
    );
    // Without the TA weights too: the ranks alone, and the gate inspector says why it has nothing.
    const ranksOnly = join(tempDir(), 'ranks.hkdb');
    exportBundle(a, [s.id], ranksOnly, { dataset: true, embeddings: false, gates: false });
    const e = new Store(tempDir());
    const [, se] = importBundle(e, ranksOnly).runs.map((r) => r.id);
    expect(kindsOf(e, se)).toEqual(['ranks']);
    expect(() => gatesFile(e, se)).toThrow(/a bundle exported with --no-gates leaves them out/);
    const noGates = join(tempDir(), 'no-gates.hkdb');
    const cli2 = await exportWithout(noGates, '--no-gates');
    expect(cli2.code, cli2.err).toBe(0);
    const g = new Store(tempDir());
    const [, sg] = importBundle(g, noGates).runs.map((r) => r.id);
    expect(kindsOf(g, sg)).toEqual(['embeddings', 'ranks']);
    // A damaged file is named.
    const junk = join(tempDir(), 'junk.hkdb');
    writeFileSync(junk, 'not a tarball');
    expect(() => importBundle(new Store(tempDir()), junk)).toThrow(/junk.hkdb is not a run bundle/);
    // A bundle from before the medians carries a mean; the import restates it from the epochs.
    a.db.prepare('UPDATE runs SET train_seconds_per_epoch = 999 WHERE id = ?').run(t.id);
    const old = join(tempDir(), 'old.hkdb');
    exportBundle(a, [t.id], old, { dataset: true });
    const h = new Store(tempDir());
    const [th] = importBundle(h, old).runs.map((r) => r.id);
    expect(getRun(h, th).trainSecondsPerEpoch).toBe(
      median(getEpochs(a, t.id).map((e) => e.trainSeconds)),
    );
  }, 120_000);

  it("an imported run joins paired tests with this home's runs only on the very split it was ranked on", async () => {
    const a = home();
    const t = (await runTraining(a, { dataset: 'demo', model: 'BPR', dim: 8, ...FAST })).run;
    const file = join(tempDir(), 'teacher.hkdb');
    exportBundle(a, [t.id], file, { dataset: true, embeddings: false });

    // A fresh home rebuilds the split from its seed, and finds it is the same file.
    const b = new Store(tempDir());
    const [got] = importBundle(b, file).runs;
    expect(got.paired).toBe(true);
    const mine = (await runTraining(b, { dataset: 'demo', model: 'BPR', dim: 4, ...FAST })).run;
    expect(getRun(b, mine.id).splitId).toBe(getRun(b, got.id).splitId);
    expect(comparePaired(b, mine.id, got.id, 5).users).toBe(300);

    // A bundle naming another split file (another version's split, or one written before
    // splits were named) imports, but unpaired.
    const stage = tempDir();
    tar.extract({ file, cwd: stage, sync: true });
    const m = JSON.parse(readFileSync(join(stage, 'bundle.json'), 'utf8'));
    m.runs[0].split.sha256 = '0'.repeat(64);
    writeFileSync(join(stage, 'bundle.json'), JSON.stringify(m));
    const other = join(tempDir(), 'other.hkdb');
    tar.create({ gzip: true, file: other, cwd: stage, sync: true }, readdirSync(stage));
    const c = new Store(tempDir());
    const cli = await hkd(c.home, 'runs', 'import', other);
    expect(cli.out).toMatch(/added #1 on 'demo'; #1 without a paired test/);
    const late = (await runTraining(c, { dataset: 'demo', model: 'BPR', dim: 4, ...FAST })).run;
    expect(() => comparePaired(c, late.id, 1, 5)).toThrow(/not ranked on the same split/);
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
      env: { ...process.env, HKD: `node ${HKD_BIN}`, HKD_HOME: tempDir(), OUT: out },
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
    // Six cells, four runs: the teacher and the plain student take no λ_T, so both columns share
    // them.
    expect(shown.out).toMatch(/: 4\/4 runs completed/);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg .*lambda-t.*<\/svg>$/s);
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toMatch(/^lambda-t,method,n,H@5 mean/);
    // Nothing is left to plan.
    expect((await hkd(a.home, 'sweep', 'plan', String(sweepId))).out).toMatch(/nothing to plan/);
  }, 240_000);
});
