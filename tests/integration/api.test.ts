import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Api } from '../../main/api';
import type { ApiEvent, JobInfo } from '../../main/contract';
import { forkTrainer } from '../../main/runner/trainer-protocol';
import { forkWorker } from '../../main/runner/worker-process';
import { queueTraining } from '../../main/ops/train';
import { Store } from '../../main/store/db';
import { openWorkbench, type Workbench } from '../../main/workbench';
import { tempDir, usersDat } from '../support/tmp';

const OUT = join(__dirname, '..', '..', 'out', 'main');
const open: Workbench[] = [];
afterEach(() => {
  while (open.length) open.pop()!.close();
});

function workbench(): Workbench {
  const wb = openWorkbench({
    home: tempDir(),
    launchTrainer: forkTrainer(join(OUT, 'trainer.js')),
    launchImporter: forkWorker(join(OUT, 'importer.js')),
  });
  open.push(wb);
  return wb;
}

/** Every row of every table and every file under the home (but the database itself). */
function snapshot(store: Store): unknown {
  const tables = (
    store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
    }[]
  ).map((t) => t.name);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (!f.startsWith('hkd.sqlite'))
        files.push(`${relative(store.home, p)}:${statSync(p).size}`);
    }
  };
  walk(store.home);
  return {
    rows: Object.fromEntries(tables.map((t) => [t, store.db.prepare(`SELECT * FROM ${t}`).all()])),
    files: files.sort(),
  };
}

function jobEnd(api: Api, id: string): Promise<JobInfo> {
  return new Promise((resolve) => {
    const off = api.subscribe((e: ApiEvent) => {
      if (e.type === 'job' && e.job.id === id && e.job.status !== 'running') {
        off();
        resolve(e.job);
      }
    });
  });
}

async function importFile(wb: Workbench, path: string, name = 'imported', extra = {}) {
  const r = await wb.api.call('datasets.import', { file: wb.grants.grant(path), name, ...extra });
  if (!r.ok) return { error: r.error.message };
  const job = r.value as JobInfo;
  return job.status === 'running' ? jobEnd(wb.api, job.id) : job;
}

describe('API', () => {
  it('imports a granted file in the background, previews first, and lists it', async () => {
    const wb = workbench();
    const file = join(tempDir(), 'users.dat');
    writeFileSync(file, usersDat(300, 700, 12));
    const peek = await wb.api.call('datasets.peek', { file: wb.grants.grant(file), lines: 2 });
    expect(peek).toMatchObject({ ok: true, value: { format: 'usersdat' } });
    const before = snapshot(wb.store);
    const preview = await importFile(wb, file, 'small', { preview: true });
    expect(preview).toMatchObject({ status: 'done', preview: { stats: { users: 300 } } });
    expect(snapshot(wb.store)).toEqual(before);
    const done = await importFile(wb, file, 'small');
    expect(done).toMatchObject({ status: 'done', fraction: 1, dataset: { name: 'small' } });
    const list = await wb.api.call('datasets.list', {});
    expect(list.ok && (list.value as { name: string }[]).map((d) => d.name)).toEqual([
      'demo',
      'small',
    ]);
    const again = await importFile(wb, file, 'small');
    expect(again).toMatchObject({ error: "dataset 'small' already exists" });
  }, 60_000);

  it("offers the shipped CiteULike and imports it with one call, under the paper's rule", async () => {
    const wb = workbench();
    const info = await wb.api.call('system.info', {});
    expect(info.ok && (info.value as { bundledDatasets: string[] }).bundledDatasets).toEqual([
      'citeulike',
    ]);
    const r = await wb.api.call('datasets.importBundled', { name: 'citeulike' });
    const job = (r as { value: JobInfo }).value;
    const done = job.status === 'running' ? await jobEnd(wb.api, job.id) : job;
    // METHOD.md §1: 5,219 users, 25,181 items, 125,580 interactions after the ≥ 5 rule.
    expect(done).toMatchObject({
      status: 'done',
      dataset: { name: 'citeulike', stats: { users: 5219, items: 25181, interactions: 125580 } },
    });
    const unknown = await wb.api.call('datasets.importBundled', { name: '../etc' });
    expect(unknown).toMatchObject({ ok: false, error: { kind: 'invalid' } });
  }, 60_000);

  it('cancels a background import midway and leaves nothing behind', async () => {
    const wb = workbench();
    const file = join(tempDir(), 'big.dat');
    writeFileSync(file, usersDat(300_000, 5000, 20));
    const before = snapshot(wb.store);
    const progress: number[] = [];
    const r = await wb.api.call('datasets.import', { file: wb.grants.grant(file), name: 'big' });
    const job = (r as { value: JobInfo }).value;
    const firstProgress = new Promise<void>((resolve) =>
      wb.api.subscribe((e) => {
        if (e.type === 'job' && e.job.id === job.id && e.job.fraction > 0) {
          progress.push(e.job.fraction);
          resolve();
        }
      }),
    );
    await firstProgress;
    const cancelled = await wb.api.call('jobs.cancel', { id: job.id });
    expect(cancelled).toMatchObject({ ok: true, value: { status: 'cancelled' } });
    expect(progress[0]).toBeLessThan(1);
    await new Promise((res) => setTimeout(res, 500));
    expect(snapshot(wb.store)).toEqual(before);
  }, 60_000);

  it('generates a synthetic dataset in a background job, with progress, and can cancel one', async () => {
    const wb = workbench();
    const started = await wb.api.call('datasets.synth', { name: 'syn', users: 300, items: 700 });
    expect(started).toMatchObject({ ok: true, value: { kind: 'synth', status: 'running' } });
    const job = (started as { value: JobInfo }).value;
    expect(await jobEnd(wb.api, job.id)).toMatchObject({
      status: 'done',
      fraction: 1,
      dataset: { name: 'syn', stats: { users: 300, items: 700 } },
    });
    // A large one can be stopped while it runs; nothing of it is kept.
    const before = snapshot(wb.store);
    const big = await wb.api.call('datasets.synth', { name: 'big', users: 100_000, items: 1500 });
    const bigJob = (big as { value: JobInfo }).value;
    const progressed = new Promise<void>((resolve) =>
      wb.api.subscribe((e) => {
        if (e.type === 'job' && e.job.id === bigJob.id && e.job.fraction > 0) resolve();
      }),
    );
    await progressed;
    expect(await wb.api.call('jobs.cancel', { id: bigJob.id })).toMatchObject({
      ok: true,
      value: { status: 'cancelled' },
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(snapshot(wb.store)).toEqual(before);
  });

  it('rejects every file of the bad-input corpus with file, line and reason, and changes nothing', async () => {
    const wb = workbench();
    const dir = tempDir();
    const bad = (name: string, content: string | Buffer) => {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    };
    const directory = join(dir, 'a-directory.csv');
    mkdirSync(directory);
    const corpus: [string, RegExp][] = [
      [bad('truncated.csv', 'user,item\n1,2\n3,4\n5'), /truncated\.csv:4: .*column/],
      [
        bad('binary.dat', Buffer.from([0x31, 0x20, 0x32, 0x00, 0xff, 0x0a])),
        /binary\.dat:1: binary content/,
      ],
      [
        bad('huge-line.dat', `1 ${'7'.repeat(17 * 1024 * 1024)}\n`),
        /huge-line\.dat:1: line longer than/,
      ],
      [bad('empty-id.csv', 'user,item\n1,2\n,4\n'), /empty-id\.csv:3: empty user id/],
      [bad('control.csv', 'user,item\n1,2\nx\u00077,4\n'), /control\.csv:3: .*control character/],
      [bad('wrong-delimiter.csv', '1 2\n3 4\n'), /wrong-delimiter\.csv:1: cannot find a delimiter/],
      [bad('empty.csv', ''), /empty\.csv: file is empty/],
      [
        bad('duplicates.csv', 'user,item\n1,2\n1,2\n1,2\n1,2\n1,2\n1,2\n'),
        /duplicates\.csv: .*(no user|left)/,
      ],
      [directory, /a-directory\.csv: is a directory/],
    ];
    const before = snapshot(wb.store);
    for (const [path, message] of corpus) {
      const r = await importFile(wb, path);
      const error = 'error' in r ? r.error : undefined;
      expect(error, path).toMatch(message);
      expect(snapshot(wb.store), path).toEqual(before);
    }
    // A path the user never picked cannot be named at all.
    const outside = await wb.api.call('datasets.import', {
      file: '/etc/passwd',
      name: 'x',
    } as never);
    expect(outside).toMatchObject({ ok: false, error: { kind: 'invalid' } });
    const unknown = await wb.api.call('datasets.import', {
      file: '00000000-0000-4000-8000-000000000000',
      name: 'x',
    });
    expect(unknown).toMatchObject({ ok: false, error: { message: /unknown file/ } });
    const smuggled = await wb.api.call('datasets.import', {
      file: wb.grants.grant(corpus[0][0]),
      name: 'x',
      path: '/etc/passwd',
    } as never);
    expect(smuggled).toMatchObject({ ok: false, error: { message: /path/ } });
    expect(snapshot(wb.store)).toEqual(before);
  }, 120_000);

  it('answers malformed requests with a clear error and keeps working', async () => {
    const wb = workbench();
    const before = snapshot(wb.store);
    const cases: [unknown, unknown, RegExp][] = [
      ['runs.explode', {}, /unknown operation/],
      [42, {}, /unknown operation/],
      ['__proto__', {}, /unknown operation/],
      ['runs.train', 'dim=20', /expected object/],
      ['runs.train', [1, 2], /expected object/],
      ['runs.train', { dataset: 'demo', model: 'BPR' }, /dim/],
      ['runs.train', { dataset: 'demo', model: 'BPR', dim: '20' }, /dim: .*number/],
      ['runs.train', { dataset: 'demo', model: 'BPR', dim: 0 }, /dim: .*>=1/],
      ['runs.train', { dataset: 'demo', model: 'BPR', dim: 20, lr: -1 }, /lr/],
      ['runs.train', { dataset: 'demo', model: 'BPR', dim: 20, batch: 0.5 }, /batch/],
      ['runs.train', { dataset: 'demo', model: 'BPR', dim: 20, maxEpochs: 1e9 }, /maxEpochs/],
      ['runs.train', { dataset: 'demo', model: 'GPT', dim: 20 }, /model/],
      ['runs.train', { dataset: 'demo', model: 'BPR', dim: 20, evil: true }, /evil/],
      ['runs.train', { dataset: 'nope', model: 'BPR', dim: 20 }, /dataset 'nope' not found/],
      [
        'runs.distill',
        { dataset: 'demo', teacher: 99, method: 'DE', studentDim: 4 },
        /run #99 not found/,
      ],
      [
        'runs.distill',
        { dataset: 'demo', teacher: 1, method: 'DGKD-DE', studentDim: 4, dgkdDrop: 'sometimes' },
        /dgkdDrop/,
      ],
      ['runs.get', { id: -1 }, /id/],
      ['runs.get', { id: 1.5 }, /id/],
      ['runs.get', { id: 12345 }, /not found/],
      ['runs.cancel', { id: 12345 }, /not found/],
      ['datasets.synth', { name: '../../etc', users: 100 }, /name/],
      ['datasets.synth', { name: 'x', users: 1e12 }, /users/],
      [
        'datasets.synth',
        { name: 'x', users: 200_000, items: 1500 },
        /users × items must be at most/,
      ],
      ['queue.configure', { concurrency: 0 }, /concurrency/],
      ['gates.entity', { run: 1, kind: 'user', id: 0 }, /not found/],
      ['ta.sizes', { teacherDim: 20, studentDim: 200, numTas: 2 }, /smaller/],
      ['jobs.cancel', { id: 'not-a-uuid' }, /id/],
    ];
    for (const [op, req, message] of cases) {
      const r = await wb.api.call(op as never, req as never);
      expect(r.ok, JSON.stringify([op, req])).toBe(false);
      if (!r.ok) expect(r.error.message, JSON.stringify([op, req])).toMatch(message);
    }
    expect(snapshot(wb.store)).toEqual(before);
    const fine = await wb.api.call('ta.sizes', { teacherDim: 200, studentDim: 20, numTas: 8 });
    expect(fine).toMatchObject({ ok: true, value: { sizes: expect.any(Array) } });
  }, 60_000);

  it('trains a run another process queued (hkd train --queue) without being asked', async () => {
    const wb = workbench();
    const terminal = new Store(wb.store.home);
    const queued = queueTraining(terminal, { dataset: 'demo', model: 'BPR', dim: 4, maxEpochs: 1 });
    terminal.close();
    const done = await new Promise<ApiEvent>((resolve) => {
      const off = wb.api.subscribe((e) => {
        if (e.type === 'run' && e.run.id === queued.id && e.run.status === 'completed') {
          off();
          resolve(e);
        }
      });
    });
    expect(done).toMatchObject({ run: { id: queued.id, status: 'completed', epochsRun: 1 } });
  });

  it('queues a teacher and a HyperKDMA student, reports deltas, and serves gate rows', async () => {
    const wb = workbench();
    const events: ApiEvent[] = [];
    wb.api.subscribe((e) => events.push(e));
    const t = await wb.api.call('runs.train', {
      dataset: 'demo',
      model: 'BPR',
      dim: 16,
      maxEpochs: 2,
      label: 'teacher',
    });
    expect(t).toEqual({ ok: true, value: { queued: [1] } });
    const s = await wb.api.call('runs.distill', {
      dataset: 'demo',
      teacher: 1,
      method: 'HyperKDMA-DE',
      studentDim: 4,
      numTas: 2,
      experts: 3,
      maxEpochs: 2,
    });
    expect(s).toEqual({ ok: true, value: { queued: [2] } });
    await wb.runner.whenIdle();
    const detail = await wb.api.call('runs.get', { id: 2 });
    expect(detail.ok && detail.value).toMatchObject({
      run: { status: 'completed' },
      dependsOn: [{ id: 1, status: 'completed' }],
    });
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs.map((e) => e.type === 'epoch' && [e.runId, e.record.epoch])).toEqual([
      [1, 0],
      [1, 1],
      [2, 0],
      [2, 1],
    ]);
    const g = await wb.api.call('gates.entity', { run: 2, kind: 'item', id: 3 });
    expect(g.ok && (g.value as { weights: number[] }).weights.reduce((a, b) => a + b)).toBeCloseTo(
      1,
      5,
    );
    const rerun = await wb.api.call('runs.rerun', { id: 2 });
    expect(rerun).toEqual({ ok: true, value: { queued: [3] } });
    await wb.runner.whenIdle();
    const del = await wb.api.call('runs.delete', { id: 1 });
    expect(del).toEqual({ ok: true, value: { deleted: 1 } });
    const orphan = await wb.api.call('runs.get', { id: 2 });
    expect(orphan.ok && orphan.value).toMatchObject({
      run: { teacherRunId: null, config: { teacher: 1 } },
    });
  }, 120_000);
});
