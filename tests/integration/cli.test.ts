import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EpochInfo, RunInfo } from '../../main/contract';
import { hkd, type Captured } from '../support/cli';
import { tempDir, tempFile, usersDat } from '../support/tmp';
import { HKD_BIN } from '../support/hkd-bin';

/** Creates the 'demo' dataset and returns its JSON view. */
async function synthDemo(home: string, users: number, items: number) {
  return json(
    await hkd(
      home,
      'dataset',
      'synth',
      '--name',
      'demo',
      '--users',
      String(users),
      '--items',
      String(items),
      '--json',
    ),
  );
}

/** A command line written as one string (no argument contains a space). */
const words = (line: string) => line.split(' ');

const json = (c: Captured) => {
  expect(c.code, c.err).toBe(0);
  return JSON.parse(c.out);
};

/** Everything a failed command must leave untouched. */
function snapshotStore(home: string) {
  const files = (dir: string): string[] =>
    existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : [];
  return {
    datasets: files(join(home, 'datasets')),
    splits: files(join(home, 'splits')),
    runs: files(join(home, 'runs')),
  };
}

/** Queues the run a command line describes and returns its id. */
async function queuedRun(home: string, line: string): Promise<number> {
  return json(await hkd(home, ...words(`${line} --queue --json`))).queued[0] as number;
}

/**
 * The headless queue in its own process (the installed binary), with what it has said so far and
 * a promise for each line it is awaited to say.
 */
function headlessQueue(home: string, ...args: string[]) {
  const proc = spawn(process.execPath, [HKD_BIN, '--home', home, 'queue', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += String(d)));
  const said = (text: string) =>
    new Promise<void>((resolve) => {
      const look = () => stderr.includes(text) && resolve();
      proc.stderr.on('data', look);
      look();
    });
  return { proc, exited, said, stderr: () => stderr };
}

describe('hkd CLI end to end', () => {
  it('cancels queued runs at once and deletes several runs in one command', async () => {
    const home = tempDir();
    await synthDemo(home, 60, 700);
    const queue = () => queuedRun(home, 'train --dataset demo --model BPR --dim 4');
    const [a, b, c] = [await queue(), await queue(), await queue()];
    const cancel = await hkd(home, ...words(`runs cancel ${a} ${b}`));
    expect(cancel.code, cancel.err).toBe(0);
    expect(cancel.err).toContain(`cancelled queued run #${a}`);
    const status = async (id: number) =>
      json(await hkd(home, ...words(`runs show ${id} --json`))).run.status as string;
    expect([await status(a), await status(b), await status(c)]).toEqual([
      'cancelled',
      'cancelled',
      'queued',
    ]);
    const again = await hkd(home, ...words(`runs cancel ${a}`));
    expect(again.code).toBe(2);
    expect(again.err).toMatch(`run #${a} is cancelled; only running runs can be cancelled`);
    const del = await hkd(home, ...words(`runs delete ${a} ${b}`));
    expect(del.code, del.err).toBe(0);
    const left = json(await hkd(home, ...words('runs list --json'))).runs as RunInfo[];
    expect(left.map((r) => r.id)).toEqual([c]);
    // The headless queue says each status once, and where the run trains.
    // (Through the installed binary: its trainer process is the built one.)
    const drained = spawnSync(process.execPath, [HKD_BIN, '--home', home, 'queue'], {
      encoding: 'utf8',
    });
    expect(drained.status, drained.stderr).toBe(0);
    expect(drained.stderr.split('\n')[0]).toBe(`queue: #${c}`);
    expect(
      drained.stderr.split('\n').filter((l) => /^run #\d+ (running|completed|on )/.test(l)),
    ).toEqual([
      `run #${c} running`,
      expect.stringMatching(new RegExp(`^run #${c} on \\w+ · `)),
      `run #${c} completed`,
    ]);
  });

  it('names runs by label wherever it takes a run, and says why a name fits none', async () => {
    const home = tempDir();
    await synthDemo(home, 40, 600);
    const train = async (label: string) =>
      json(
        await hkd(
          home,
          ...words(
            `train --dataset demo --model BPR --dim 4 --max-epochs 2 --label ${label} --json`,
          ),
        ),
      ).id as number;
    const [a, b] = [await train('a-4'), await train('b-4')];
    expect(json(await hkd(home, ...words('runs show b-4 --json'))).run.id).toBe(b);
    const paired = await hkd(home, ...words('paired a-4 b-4 --k 5'));
    expect(paired.code, paired.err).toBe(0);
    expect(paired.out.split('\n')[0]).toMatch(new RegExp(`#${a} H@K +#${b} H@K`));
    const compared = await hkd(home, ...words('compare a-4 b-4 --baseline a-4 --paper none'));
    expect(compared.code, compared.err).toBe(0);
    expect(compared.out).toContain(`#${b}`);
    // One run's lead over another, by labels that have hyphens of their own.
    const lead = await hkd(home, ...words('runs plot b-4-a-4 --series valid.H5'));
    expect(lead.code, lead.err).toBe(0);
    expect(lead.out).toContain(`>#${b} − #${a}<`);
    // A later completed run with the label is the one it names; unfinished ones only when alone.
    const again = await train('a-4');
    expect(json(await hkd(home, ...words('runs show a-4 --json'))).run.id).toBe(again);
    const queue = () => queuedRun(home, 'train --dataset demo --model BPR --dim 4 --label q');
    const q1 = await queue();
    expect(json(await hkd(home, ...words('runs show q --json'))).run.id).toBe(q1);
    const q2 = await queue();
    const ambiguous = await hkd(home, ...words('runs show q'));
    expect([ambiguous.code, ambiguous.err]).toEqual([
      2,
      `error: 'q' labels runs #${q1}, #${q2}, none completed: name one by its id`,
    ]);
    const typo = await hkd(home, ...words('runs show b-5'));
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/^error: run labelled 'b-5' not found; did you mean 'b-4'\?/);
    // A malformed argument a command reads itself is said, not just an exit code.
    const sweep = await hkd(home, ...words('sweep show x'));
    expect([sweep.code, sweep.err]).toEqual([2, "error: 'x' is not an integer"]);
  });

  it("pools an experiment's seeds into one curve, and its lead over another paired by seed", async () => {
    const home = tempDir();
    await synthDemo(home, 40, 600);
    const train = async (dim: number, seed: number, label: string) =>
      json(
        await hkd(
          home,
          ...words(`train --dataset demo --model BPR --dim ${dim} --max-epochs 3 --seed ${seed}`),
          '--label',
          label,
          '--json',
        ),
      ).id as number;
    const [p0, p1, q0, q1] = [
      await train(4, 0, 'p'),
      await train(4, 1, 'p (seed 1)'),
      await train(8, 0, 'q'),
      await train(8, 1, 'q (seed 1)'),
    ];
    const plot = await hkd(
      home,
      'runs',
      'plot',
      'p',
      'q',
      'p (seed 1)',
      String(q1),
      ...words('--pool-seeds --series valid.H5'),
    );
    expect(plot.code, plot.err).toBe(0);
    expect(plot.out.match(/<polygon /g)).toHaveLength(2);
    expect(plot.out).toContain('>p (2 seeds)<');
    expect(plot.out).toContain('>q (2 seeds)<');
    const lead = await hkd(
      home,
      ...words(`runs plot ${p0}-${q0} ${p1}-${q1} --pool-seeds --series valid.H5`),
    );
    expect(lead.code, lead.err).toBe(0);
    expect(lead.out).toContain('>p − q (2 seeds)<');
    const smooth = (w: string) =>
      hkd(home, ...words(`runs plot ${p0} --series valid.H5 --title T --smooth ${w}`));
    expect((await smooth('0.6')).out).toContain('>T (smoothed: EMA 0.6)<');
    expect((await smooth('1')).err).toMatch(/--smooth must be in \[0, 1\), not 1/);
    // The same lead in numbers: the mean over the seeds of p's value less q's, epoch by epoch.
    const blocks = json(
      await hkd(home, ...words(`runs lead ${p0},${p1} ${q0},${q1} --series valid.H5 --json`)),
    ) as { epochs: number; ahead: number; behind: number; mean: number }[];
    const stored = async (id: number) =>
      (json(await hkd(home, 'runs', 'show', String(id), '--json')).epochs as EpochInfo[]).map(
        (e) => e.valid.H5,
      );
    const [a0, a1, b0, b1] = await Promise.all([p0, p1, q0, q1].map(stored));
    const means = a0.map((v, i) => (v - b0[i] + a1[i] - b1[i]) / 2);
    expect(blocks).toHaveLength(1);
    expect(blocks[0].epochs).toBe(3);
    expect(blocks[0].ahead + blocks[0].behind).toBe(means.filter((m) => m !== 0).length);
    expect(blocks[0].mean).toBeCloseTo(means.reduce((s, m) => s + m) / 3, 12);
    // Each side one experiment, and pairs of one seed.
    const mixed = await hkd(home, ...words(`runs lead ${p0},${q1} ${q0},${p1}`));
    expect([mixed.code, mixed.err]).toEqual([
      2,
      `error: #${q1} differs from #${p0} in more than the seed: a side of a pooled lead is one experiment`,
    ]);
    const crossed = await hkd(
      home,
      ...words(`runs plot ${p0}-${q1} --pool-seeds --series valid.H5`),
    );
    expect(crossed.err).toMatch(
      `pairs seed 0 with seed 1: a lead pooled over seeds pairs runs of one seed`,
    );
  });

  it('Ctrl-C stops the headless queue without cancelling: the run is left resumable, what is built from it queued', async () => {
    const home = tempDir();
    await synthDemo(home, 60, 700);
    const teacher = await queuedRun(
      home,
      'train --dataset demo --model BPR --dim 8 --max-epochs 10000',
    );
    const student = await queuedRun(
      home,
      `distill --dataset demo --teacher ${teacher} --method DE --student-dim 4`,
    );
    const queue = headlessQueue(home);
    await queue.said(`run #${teacher} epoch 2 `);
    queue.proc.kill('SIGINT');
    expect(await queue.exited, queue.stderr()).toBe(130);
    expect(queue.stderr()).toContain(
      'stopped; the active runs are interrupted at their last checkpoint',
    );
    const runs = json(await hkd(home, ...words('runs list --json'))).runs as RunInfo[];
    const byId = new Map(runs.map((r) => [r.id, r]));
    expect(byId.get(teacher)).toMatchObject({
      status: 'interrupted',
      error: 'the queue was stopped (Ctrl-C)',
    });
    expect(byId.get(teacher)!.epochsRun).toBeGreaterThanOrEqual(2);
    expect(byId.get(student)!.status).toBe('queued');
  });

  it('a running headless queue starts a run another terminal queues while a trainer is free', async () => {
    const home = tempDir();
    await synthDemo(home, 60, 700);
    const long = await queuedRun(
      home,
      'train --dataset demo --model BPR --dim 8 --max-epochs 100000 --patience 100000',
    );
    const queue = headlessQueue(home, '--concurrency', '2');
    await queue.said(`run #${long} epoch 1 `);
    const later = await queuedRun(home, 'train --dataset demo --model BPR --dim 4 --max-epochs 2');
    await queue.said(`run #${later} completed`);
    // The first run was still training: the second did not wait for it to end.
    expect(queue.stderr()).not.toContain(`run #${long} completed`);
    queue.proc.kill('SIGINT');
    expect(await queue.exited, queue.stderr()).toBe(130);
  });

  it("sets the paper's row beside a run at its sizes, with what the run cost, in the terminal's table", async () => {
    const home = tempDir();
    await synthDemo(home, 60, 700);
    const run = json(
      await hkd(home, ...words('train --dataset demo --model BPR --dim 20 --max-epochs 1 --json')),
    );
    const t = await hkd(home, ...words(`compare ${run.id} --paper citeulike --training`));
    expect([t.code, t.err]).toEqual([0, '']);
    const lines = t.out.split('\n');
    expect(lines[0]).toMatch(/epochs +best epoch +s\/epoch +backend$/);
    expect(lines[1]).toMatch(
      new RegExp(`^BPR d=20 \\(no KD\\) +#${run.id} .* 1 +1 +\\d+\\.\\d +\\w+$`),
    );
    expect(lines[2]).toMatch(/^ {2}paper: Student \(Table 2\) +0\.4432 /);
  });

  it('fills a run from a preset where no flag is given, and names what is still missing', async () => {
    const home = tempDir();
    await synthDemo(home, 60, 700);
    const run = json(
      await hkd(home, ...words('train --preset demo-teacher --dim 8 --max-epochs 1 --json')),
    );
    // The preset's model, batch and learning rate; the flags' size and epoch limit.
    expect(run).toMatchObject({ model: 'BPR', config: { dim: 8 }, epochsRun: 1 });
    const shown = json(await hkd(home, ...words(`runs show ${run.id} --json`)));
    expect(shown.run.config).toMatchObject({ batch: 256, lr: 1e-2, maxEpochs: 1, dim: 8 });
    const missing = await hkd(home, ...words('train --model BPR --dataset demo'));
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(/--dim is required \(or a --preset that sets it\)/);
    const wrongKind = await hkd(home, ...words('distill --preset demo-teacher'));
    expect(wrongKind.err).toMatch(/--preset.*demo-hyperkdma-de/s);
  });

  it('imports, trains BPR well above random, and lists the run', async () => {
    const home = tempDir();
    const synth = await synthDemo(home, 300, 700);
    // The API's DatasetInfo, as the window receives it.
    expect(Object.keys(synth).sort()).toEqual([
      'createdAt',
      'format',
      'id',
      'minItem',
      'minUser',
      'name',
      'source',
      'stats',
    ]);
    expect(synth).toMatchObject({ name: 'demo', stats: { users: 300, items: 700 } });
    expect(synth.stats.trainInteractions).toBe(synth.stats.interactions - 600);

    const file = tempFile('users.dat', usersDat(30, 600, 8));
    const imported = json(await hkd(home, 'dataset', 'import', file, '--name', 'small', '--json'));
    expect(imported).toMatchObject({
      name: 'small',
      stats: { users: 30, interactions: 240, trainInteractions: 180 },
    });

    const train = json(
      await hkd(
        home,
        ...words(
          'train --dataset demo --model BPR --dim 16 --lr 0.01 --reg 1e-4 --batch 256 --max-epochs 60 --patience 5 --label e2e --json',
        ),
      ),
    );
    // The API's RunInfo, as the window receives it.
    expect(Object.keys(train)).toEqual(
      expect.arrayContaining([
        'id',
        'status',
        'dataset',
        'bestEpoch',
        'epochsRun',
        'backend',
        'summary',
        'trainSecondsPerEpoch',
        'evalSecondsPerEpoch',
      ]),
    );
    expect(train.status).toBe('completed');
    expect(train.backend).toMatch(/\w/);
    const test = train.summary.test;
    expect(Object.keys(test).sort()).toEqual(['H10', 'H20', 'H5', 'N10', 'N20', 'N5']);
    // Random ranking among the test item and 499 candidates gives H@5 = 0.01.
    expect(test.H5).toBeGreaterThan(0.1);
    expect(train.epochsRun).toBeGreaterThan(train.bestEpoch);

    const { runs } = json(await hkd(home, 'runs', 'list', '--json'));
    expect(runs).toHaveLength(1);
    expect(runs[0].stopReason).toMatch(/^early stop at epoch \d+|^epoch limit/);
    expect(runs[0]).toMatchObject({
      id: train.id,
      status: 'completed',
      label: 'e2e',
      summary: { test },
      dataset: 'demo',
      method: null,
    });
    const lines = (await hkd(home, 'runs', 'list')).out.split('\n');
    expect(lines[0]).toMatch(
      /^id +status +dataset +model +sizes +teacher +epochs +best +valid H@5 +test H@5 +test N@5 +created +duration +label +stop$/,
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `^${train.id} +completed +demo +BPR +16 +- +${train.epochsRun} .* \\d+ (s|min) +e2e +(early stop at epoch ${train.epochsRun} \\(best \\d+, patience 5\\)|epoch limit \\(60\\))$`,
      ),
    );
    const shown = json(await hkd(home, 'runs', 'show', String(train.id), '--json'));
    expect(shown.epochs).toHaveLength(train.epochsRun);
    expect(shown.run.config).toMatchObject({ dim: 16, model: 'BPR', seed: 0 });
    const trend = json(await hkd(home, 'runs', 'show', String(train.id), '--trend', '3', '--json'));
    expect(trend.trends.map((t: { metric: string }) => t.metric)).toEqual([
      'valid H@5',
      'test H@5',
    ]);
    for (const t of trend.trends)
      if (t.trend) expect([t.trend.from, t.trend.to]).toEqual([3, train.epochsRun]);
    const trendText = await hkd(home, 'runs', 'show', String(train.id), '--trend');
    expect(trendText.out).toMatch(
      /trend \(extrapolation\) of curves fitted on epochs|no curve fits from epoch/,
    );
    expect((await hkd(home, 'runs', 'show', String(train.id), '--trend', '0')).code).toBe(2);
    const late = await hkd(home, 'runs', 'show', String(train.id), '--trend', '999');
    expect(late.out).toMatch(/trend: no curve fits from epoch 999 on/);
    expect(readdirSync(join(home, 'runs', String(train.id))).sort()).toEqual([
      'best.hkda',
      'embeddings.hkda',
      'ranks.hkda',
      // The state after its last epoch, to extend it from; earlier checkpoints are gone.
      `resume-${train.epochsRun}.hkda`,
    ]);

    const listed = json(await hkd(home, 'dataset', 'list', '--json'));
    expect(listed.map((d: { name: string }) => d.name)).toEqual(['demo', 'small']);
    const text = await hkd(home, 'dataset', 'show', 'demo');
    expect(text.out).toMatch(/demo: 300 users, 700 items/);

    // A dataset a run uses stays; an unused one goes with its files.
    const used = await hkd(home, 'dataset', 'delete', 'demo');
    expect([used.code, used.err]).toEqual([
      2,
      `error: dataset 'demo' has 1 run(s) (#${train.id}): delete them first`,
    ]);
    const folders = () => readdirSync(join(home, 'datasets')).length;
    expect(folders()).toBe(2);
    const gone = await hkd(home, 'dataset', 'delete', 'small');
    expect(gone.code, gone.err).toBe(0);
    expect(folders()).toBe(1);
    expect(
      json(await hkd(home, 'dataset', 'list', '--json')).map((d: { name: string }) => d.name),
    ).toEqual(['demo']);
  });

  it('answers bad input with one clear line, exit code 2, and an unchanged store', async () => {
    const home = tempDir();
    await synthDemo(home, 50, 600);
    const before = snapshotStore(home);
    const bad = tempFile('bad.dat', '3 1 2 3\nfive 4 5\n');
    const cases: [string[], RegExp][] = [
      [
        ['dataset', 'import', bad, '--name', 'x'],
        new RegExp(
          `${bad.replace(/[/.]/g, '\\$&')}:2: the first field 'five' must be the line's item count`,
        ),
      ],
      [['dataset', 'import', tempFile('empty.dat', ''), '--name', 'x'], /file is empty/],
      [['dataset', 'import', tempDir(), '--name', 'x'], /is a directory/],
      [
        ['dataset', 'import', bad, '--name', 'x', '--format', 'parquet'],
        /argument 'parquet' is invalid/,
      ],
      [['dataset', 'synth', '--name', 'demo'], /dataset 'demo' already exists/],
      [['train', '--dataset', 'nope', '--model', 'BPR', '--dim', '8'], /dataset 'nope' not found/],
      [['train', '--dataset', 'demo', '--model', 'BPR', '--dim', 'abc'], /'abc' is not an integer/],
      [['train', '--dataset', 'demo', '--model', 'MF', '--dim', '8'], /argument 'MF' is invalid/],
      [
        ['train', '--dataset', 'demo', '--model', 'BPR', '--dim', '8', '--lr', '-1'],
        /lr: Too small/,
      ],
      [
        ['train', '--dataset', 'demo', '--model', 'BPR', '--dim', '8', '--bogus'],
        /unknown option '--bogus'/,
      ],
      [
        ['train', '--dataset', 'demo', '--model', 'BPR', '--dim', '8', '--temperature', '0.5'],
        /temperature: BPR has no option temperature/,
      ],
      [
        ['train', '--dataset', 'demo', '--model', 'BPR', '--dim', '8', '--kd-rep', 'gmf+mlp'],
        /kdRep: BPR has no option kdRep/,
      ],
      [
        ['train', '--dataset', 'demo', '--model', 'NGCF', '--dim', '8', '--node-dropout', '2'],
        /nodeDropout: Too big/,
      ],
      [['runs', 'show', '99'], /run #99 not found/],
      [['dataset', 'show', 'nope'], /dataset 'nope' not found; there are 'demo'$/m],
      [
        ['train', '--dataset', 'dmeo', '--model', 'BPR', '--dim', '8'],
        /dataset 'dmeo' not found; did you mean 'demo'\?/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await hkd(home, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(message);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.out).toBe('');
    }
    expect(snapshotStore(home)).toEqual(before);
    const typo = await hkd(home, 'train', '--datset', 'demo');
    expect([typo.code, typo.err]).toEqual([2, expect.stringMatching(/Did you mean --dataset\?/)]);
    expect(json(await hkd(home, 'dataset', 'list', '--json'))).toHaveLength(1);
    expect(json(await hkd(home, 'runs', 'list', '--json'))).toEqual({
      runs: [],
      progress: {},
      queue: [],
    });
  });

  it('distils a student from a teacher and exports its gate weights', async () => {
    const home = tempDir();
    await synthDemo(home, 80, 620);
    const fast = ['--max-epochs', '2', '--batch', '256', '--json'];
    const teacher = json(
      await hkd(
        home,
        ...words('train --dataset demo --model BPR --dim 16 --label teacher'),
        ...fast,
      ),
    );
    const student = json(
      await hkd(
        home,
        ...words(
          'distill --dataset demo --teacher teacher --method HyperKDMA-DE --student-dim 4 --num-tas 2 --experts 3 --lambda-t 0.1',
        ),
        ...fast,
      ),
    );
    expect(student).toMatchObject({
      status: 'completed',
      method: 'HyperKDMA-DE',
      teacherRunId: teacher.id,
      config: { taDims: [8, 12], studentDim: 4 },
    });
    const table = await hkd(home, 'runs', 'show', String(student.id), '--epochs');
    expect(table.out).toMatch(
      /epoch +loss +valid H@5 +test H@5 +train s +teacher\.norm +gate\.entropy +ta0\.norm +ta1\.norm/,
    );
    // Counted from 1, as the progress line and the workbench count epochs.
    expect(table.out.trim().split('\n').slice(-2)[0]).toMatch(/^1 /);
    // Its TA norms over the teacher's and the TA term's share, as a figure.
    const svgFile = join(tempDir(), 'tas.svg');
    const plot = await hkd(
      home,
      'runs',
      'plot',
      String(student.id),
      '--series',
      'ta0.norm/teacher.norm,share.ta',
      '--log',
      '--out',
      svgFile,
    );
    expect(plot.code, plot.err).toBe(0);
    const svg = readFileSync(svgFile, 'utf8');
    expect(svg.match(/<polyline points="[^"]+"/g)).toHaveLength(2);
    expect(svg).toContain('>ta0.norm/teacher.norm<');
    // The student's lead over its teacher, epoch by epoch: a difference, so no log axis.
    const leadPlot = (...more: string[]) =>
      hkd(home, 'runs', 'plot', `${student.id}-${teacher.id}`, '--series', 'valid.H5', ...more);
    const lead = await leadPlot();
    expect(lead.code, lead.err).toBe(0);
    expect(lead.out).toContain(`>#${student.id} − #${teacher.id}<`);
    const logLead = await leadPlot('--log');
    expect([logLead.code, logLead.err]).toEqual([
      2,
      expect.stringMatching(/can be negative: draw it without --log/),
    ]);
    // The same lead in numbers: one block per epoch, then the whole span.
    const leadBlocks = json(
      await hkd(home, ...words(`runs lead ${student.id} ${teacher.id} --every 1 --json`)),
    ) as {
      series: string;
      from: number;
      to: number;
      epochs: number;
      ahead: number;
      mean: number;
    }[];
    const [ours, theirs] = await Promise.all(
      [student.id, teacher.id].map(
        async (id: number) =>
          json(await hkd(home, 'runs', 'show', String(id), '--json')).epochs as EpochInfo[],
      ),
    );
    const diffs = ours.map((e, i) => e.test.H5 - theirs[i].test.H5);
    const testBlocks = leadBlocks.filter((l) => l.series === 'test.H5');
    expect(testBlocks.map((l) => [l.from, l.to, l.epochs])).toEqual([
      [1, 1, 1],
      [2, 2, 1],
      [1, 2, 2],
    ]);
    expect(testBlocks[1].mean).toBeCloseTo(diffs[1], 12);
    expect(testBlocks[2].ahead).toBe(diffs.filter((d) => d > 0).length);
    expect(testBlocks[2].mean).toBeCloseTo((diffs[0] + diffs[1]) / 2, 12);
    expect(leadBlocks.filter((l) => l.series === 'valid.H5')).toHaveLength(3);
    const late = await hkd(home, ...words(`runs lead ${student.id} ${teacher.id} --from 3`));
    expect([late.code, late.err]).toEqual([
      2,
      expect.stringMatching(/no epoch in common from epoch 3 on/),
    ]);
    const badSpec = await hkd(home, 'runs', 'plot', '2+1', '--series', 'valid.H5');
    expect(badSpec.err).toMatch(
      /^error: run labelled '2\+1' not found; .*; nor is '2\+1' two runs joined by '-'/,
    );
    const unknown = await hkd(home, 'runs', 'plot', String(student.id), '--series', 'ta9.norm');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(
      /no epoch of these runs has 'ta9.norm'; they have: valid.H5, .*ta1.norm/,
    );
    const out = join(tempDir(), 'gates.csv');
    const gates = await hkd(home, 'gates', String(student.id), '--kind', 'users', '--out', out);
    expect(gates.code, gates.err).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('kind,id,w1,w2');
    expect(lines).toHaveLength(1 + 80);
    const shared = json(
      await hkd(
        home,
        'distill',
        '--dataset',
        'demo',
        '--teacher',
        String(teacher.id),
        '--method',
        'HyperKDMA-PHR',
        '--student-dim',
        '4',
        '--ta-dims',
        '10',
        '--no-gate',
        '--no-hypernet',
        'shared',
        ...fast,
      ),
    );
    const shown = json(await hkd(home, 'runs', 'show', String(shared.id), '--json'));
    expect(shown.run.config).toMatchObject({
      gate: false,
      taSource: 'shared',
      taDims: [10],
      phrEnrich: 'full',
    });
    const bad = await hkd(
      home,
      ...words('distill --dataset demo --teacher teacher --method DE --student-dim 4 --seed 3'),
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown option '--seed'/);
    const noGates = await hkd(home, 'gates', String(teacher.id));
    expect(noGates.code).toBe(2);
    expect(noGates.err).toMatch(/has no gate weights/);
    const cmp = await hkd(
      home,
      'compare',
      String(teacher.id),
      String(student.id),
      '--format',
      'md',
      '--metrics',
      'H5',
    );
    expect(cmp.code, cmp.err).toBe(0);
    expect(cmp.out.split('\n').slice(0, 2)).toEqual(['| Method | BPR H@5 |', '|---|---:|']);
    // Bold where it is the column's best.
    expect(cmp.out).toMatch(
      new RegExp(
        `\\| HyperKDMA-DE d=4 \\| (\\*\\*)?${student.summary.test.H5.toFixed(4)}(\\*\\*)? \\|`,
      ),
    );
    const cmpText = await hkd(
      home,
      'compare',
      String(teacher.id),
      String(student.id),
      '--baseline',
      String(teacher.id),
    );
    expect(cmpText.out).toMatch(/^method +runs +BPR H@5 +BPR N@5 +BPR H@10 +BPR N@10/);
    expect(cmpText.out).toMatch(/Teacher BPR d=16 +#\d+ /);
    expect(cmpText.out).toMatch(/HyperKDMA-DE d=4 +#\d+ +\*?0\.\d{4}/);
    const badMetric = await hkd(home, 'compare', String(teacher.id), '--metrics', 'H7');
    expect(badMetric.code).toBe(2);
    expect(badMetric.err).toMatch(/unknown metric H7/);
    const rep = json(
      await hkd(home, 'runs', 'repeat', String(teacher.id), '--seeds', '0-2', '--json'),
    );
    expect(rep.runs.map((r: { seed: number; queued: boolean }) => [r.seed, r.queued])).toEqual([
      [0, false],
      [1, true],
      [2, true],
    ]);
    expect(rep.queued).toHaveLength(2);
    const again = await hkd(home, 'runs', 'repeat', String(teacher.id), '--seeds', '2,1');
    expect(again.out).toMatch(/every seed has its run already/);
    const backwards = await hkd(home, 'runs', 'repeat', String(teacher.id), '--seeds', '3-1');
    expect(backwards.code).toBe(2);
    expect(backwards.err).toMatch(/runs backwards/);
    for (const id of rep.queued)
      expect((await hkd(home, 'runs', 'delete', String(id))).code).toBe(0);
    const gone = await hkd(home, 'runs', 'delete', String(shared.id));
    expect(gone.code, gone.err).toBe(0);
    expect(existsSync(join(home, 'runs', String(shared.id)))).toBe(false);
    const left = json(await hkd(home, 'runs', 'list', '--json')).runs.map((r: RunInfo) => r.id);
    expect(left).toEqual([teacher.id, student.id]);
    const twice = await hkd(home, 'runs', 'delete', String(shared.id));
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(new RegExp(`run #${shared.id}`));

    // Every finished run's kept state at once.
    const resumeFiles = () =>
      readdirSync(join(home, 'runs'), { recursive: true }).filter((f) =>
        /resume-\d+\.hkda$/.test(String(f)),
      );
    expect(resumeFiles()).toHaveLength(2);
    const neither = await hkd(home, 'runs', 'discard-state');
    expect([neither.code, neither.err]).toEqual([
      2,
      expect.stringMatching(/give a run id or --all/),
    ]);
    const all = await hkd(home, 'runs', 'discard-state', '--all');
    expect(all.err).toMatch(/^freed (\d+ KB|\d+\.\d MB) from 2 run\(s\)$/);
    expect(resumeFiles()).toEqual([]);
  });

  it('several processes opening a fresh data directory at once all succeed', async () => {
    const home = join(tempDir(), 'fresh');
    const codes = await Promise.all(
      Array.from(
        { length: 6 },
        () =>
          new Promise<number | null>((resolve) =>
            spawn(process.execPath, [HKD_BIN, '--home', home, 'dataset', 'list', '--json'], {
              stdio: 'ignore',
            }).on('exit', resolve),
          ),
      ),
    );
    expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('the installed binary prints exactly one JSON document on stdout', async () => {
    expect(
      existsSync(join(__dirname, '..', '..', 'out', 'main', 'cli.js')),
      'run `npm run build` first',
    ).toBe(true);
    const home = tempDir();
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [HKD_BIN, '--home', home, ...args], { encoding: 'utf8' });
    const made = run(
      'dataset',
      'synth',
      '--name',
      'demo',
      '--users',
      '40',
      '--items',
      '600',
      '--json',
    );
    expect(made.status, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ name: 'demo', stats: { users: 40 } });
    const trained = run(
      'train',
      '--dataset',
      'demo',
      '--model',
      'BPR',
      '--dim',
      '4',
      '--max-epochs',
      '2',
      '--json',
    );
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(trained.stdout)).toMatchObject({
      status: 'completed',
      epochsRun: 2,
      backend: 'wasm',
    });
    // A reader that closes early (`hkd gates 2 | head`): a quiet exit, not an EPIPE trace.
    const child = spawn(process.execPath, [HKD_BIN, '--home', home, 'dataset', 'list'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect([code, stderr]).toEqual([0, '']);
    const missing = run('runs', 'show', '7');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^error: run #7 not found\n$/);
  });
});
