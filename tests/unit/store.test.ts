import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filterAndRemap } from '../../main/data/dataset';
import { datasetStats } from '../../main/data/stats';
import { synthesize } from '../../main/data/synth';
import { InputError } from '../../main/errors';
import {
  readArrayFile,
  readArrayHeader,
  readArrayRows,
  writeArrayFile,
} from '../../main/store/array-file';
import { migrate, schemaVersion, Store } from '../../main/store/db';
import {
  deleteDataset,
  getDataset,
  insertDataset,
  listDatasets,
  loadDataset,
  newDatasetDir,
  recordDataset,
} from '../../main/store/datasets';
import { writeInteractions } from '../../main/store/dataset-file';
import { MIGRATIONS } from '../../main/store/migrations';
import { applyRunEvent } from '../../main/runner/run-events';
import { claimNextRun, deleteRun } from '../../main/store/queue';
import {
  createRun,
  getEpochs,
  getRun,
  listRuns,
  markRunning,
  recordEpoch,
} from '../../main/store/runs';
import { reapInterrupted } from '../../main/store/run-processes';
import { getOrCreateSplit } from '../support/split';
import { tempDir } from '../support/tmp';

const synthDataset = () =>
  filterAndRemap(synthesize({ users: 40, items: 600, seed: 2 }), { minUser: 5, minItem: 0 });
const insert = (s: Store, name: string) => {
  const dataset = synthDataset();
  return insertDataset(s, {
    name,
    source: 'test',
    format: 'synthetic',
    filter: { minUser: 5, minItem: 0 },
    dataset,
    stats: datasetStats(dataset),
  });
};

/** A queued BPR training run on the dataset, seed 0. */
const queueBprRun = (s: Store, datasetId: number, config: Record<string, unknown> = {}) =>
  createRun(s, {
    kind: 'train',
    model: 'BPR',
    datasetId,
    seed: 0,
    config: { dataset: 'demo', model: 'BPR', dim: 4, ...config },
  });
const count = (s: Store, table: string) =>
  (s.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('experiment store', () => {
  it('migrates an empty directory to the latest schema, idempotently', () => {
    const home = tempDir();
    const s = new Store(home);
    expect(schemaVersion(s.db)).toBe(MIGRATIONS.at(-1)!.version);
    const tables = (
      s.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
        name: string;
      }[]
    ).map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining(['datasets', 'splits', 'runs', 'epochs', 'artifacts']),
    );
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1);
    s.close();
    const again = new Store(home);
    expect(schemaVersion(again.db)).toBe(MIGRATIONS.at(-1)!.version);
    expect(again.db.pragma('integrity_check', { simple: true })).toBe('ok');
    again.close();
  });

  it('stores a dataset with its interaction file and loads it back identically', () => {
    const s = new Store(tempDir());
    const row = insert(s, 'ds');
    const loaded = loadDataset(s, getDataset(s, 'ds'));
    const orig = synthDataset();
    expect(loaded.items).toEqual(orig.items);
    expect(loaded.userPtr).toEqual(orig.userPtr);
    expect(loaded.rawItemIds).toEqual(orig.rawItemIds);
    expect(row.stats.users).toBe(orig.nUsers);
    s.close();
  });

  it('changes nothing when an import fails midway (name clash, unwritable artifact)', () => {
    const home = tempDir();
    const s = new Store(home);
    insert(s, 'ds');
    expect(() => insert(s, 'ds')).toThrow(InputError);
    expect(() => insert(s, 'bad name!')).toThrow(/invalid dataset name/);
    // A file written for a dataset whose name got taken meanwhile is removed with the attempt.
    const dir = newDatasetDir();
    const file = writeInteractions(home, dir, synthDataset());
    const meta = { ...getDataset(s, 'ds'), filter: { minUser: 5, minItem: 0 } };
    expect(() => recordDataset(s, meta, file)).toThrow(/already exists/);
    expect(existsSync(join(home, dir))).toBe(false);
    expect(listDatasets(s).map((d) => d.name)).toEqual(['ds']);
    expect(count(s, 'artifacts')).toBe(1);
    s.close();
    // The artifact folder cannot be created: no row is written.
    const blocked = new Store(tempDir());
    writeFileSync(join(blocked.home, 'datasets'), 'in the way');
    expect(() => insert(blocked, 'other')).toThrow();
    expect(listDatasets(blocked)).toEqual([]);
    expect(count(blocked, 'artifacts')).toBe(0);
    blocked.close();
  });

  it('creates each (dataset, seed) split once and reloads the same arrays', () => {
    const s = new Store(tempDir());
    const row = insert(s, 'ds');
    const d = loadDataset(s, row);
    const a = getOrCreateSplit(s, row.id, d, 3, 499);
    const b = getOrCreateSplit(s, row.id, d, 3, 499);
    expect(b.splitId).toBe(a.splitId);
    expect(b.split.candidates).toEqual(a.split.candidates);
    expect(b.split.test).toEqual(a.split.test);
    expect(count(s, 'splits')).toBe(1);
    s.close();
  });

  it('deletes a dataset no run uses with its splits and files, and refuses one a run uses', () => {
    const s = new Store(tempDir());
    const row = insert(s, 'ds');
    getOrCreateSplit(s, row.id, loadDataset(s, row), 3, 499);
    const files = () => [
      ...readdirSync(join(s.home, 'datasets')),
      ...readdirSync(join(s.home, 'splits')),
    ];
    expect(files()).toHaveLength(2);
    const used = insert(s, 'used');
    queueBprRun(s, used.id);
    expect(() => deleteDataset(s, 'used')).toThrow(/dataset 'used' has 1 run\(s\) \(#1\)/);
    deleteDataset(s, 'ds');
    expect([count(s, 'splits'), count(s, 'artifacts'), files().length]).toEqual([0, 1, 1]);
    expect(() => deleteDataset(s, 'ds')).toThrow(/dataset 'ds' not found; there are 'used'/);
    s.close();
  });

  it('keeps the epoch records a resumed run recomputes visible until they are replaced', () => {
    const s = new Store(tempDir());
    const ds = insert(s, 'ds');
    const run = queueBprRun(s, ds.id, { dim: 4 });
    const { splitId } = getOrCreateSplit(s, ds.id, loadDataset(s, ds), 0, 499);
    const m = { H5: 0.1, N5: 0.05, H10: 0.2, N10: 0.1, H20: 0.3, N20: 0.12 };
    const epoch = (k: number, total: number) =>
      applyRunEvent(s, {
        type: 'epoch',
        runId: run.id,
        record: { epoch: k, losses: { total }, valid: m, test: m, trainSeconds: 1, evalSeconds: 0 },
      });
    const started = (fromEpoch: number) =>
      applyRunEvent(s, {
        type: 'started',
        runId: run.id,
        split: { splitId },
        backend: 'wasm',
        device: 'cpu',
        pid: process.pid,
        fromEpoch,
      });
    started(0);
    for (const k of [0, 1, 2, 3]) epoch(k, 10 + k);
    // A crash after epoch 4 whose last checkpoint covers 2 epochs: the resumed run starts at 2.
    started(2);
    expect(getRun(s, run.id).epochsRun).toBe(2);
    expect(getEpochs(s, run.id).map((e) => e.losses.total)).toEqual([10, 11, 12, 13]);
    epoch(2, 22);
    expect(getEpochs(s, run.id).map((e) => e.losses.total)).toEqual([10, 11, 22, 13]);
    // Cancelled before it reached the old records' end: what it did not redo goes.
    applyRunEvent(s, { type: 'stopped', runId: run.id });
    expect(getEpochs(s, run.id).map((e) => e.losses.total)).toEqual([10, 11, 22]);
    s.close();
  });

  it("restates finished runs' seconds per epoch as medians (migration 6)", () => {
    const s = new Store(tempDir());
    const ds = insert(s, 'ds');
    const { splitId } = getOrCreateSplit(s, ds.id, loadDataset(s, ds), 0, 499);
    const m = { H5: 0.1, N5: 0.05, H10: 0.2, N10: 0.1, H20: 0.3, N20: 0.12 };
    // Epochs of 1, 2, 3 and 100 s (one paused) and 4 s; a run without epochs keeps its value.
    const runs = [[1, 100, 3, 2], [4], []].map((train) => {
      const run = queueBprRun(s, ds.id);
      markRunning(s, run.id, { splitId, backend: 'wasm', device: 'cpu', pid: process.pid });
      train.forEach((t, epoch) =>
        recordEpoch(s, run.id, {
          epoch,
          losses: { total: 1 },
          valid: m,
          test: m,
          trainSeconds: t,
          evalSeconds: 0.5 * t,
        }),
      );
      applyRunEvent(s, {
        type: 'finished',
        runId: run.id,
        status: 'completed',
        summary: { bestEpoch: 0, valid: m, test: m },
        trainSecondsPerEpoch: 26.5,
        evalSecondsPerEpoch: 13.25,
        files: [],
      });
      return run.id;
    });
    // Back to version 5: later migrations' columns go too, so that they apply again.
    s.db.exec('ALTER TABLE runs DROP COLUMN branch_of');
    s.db.exec('ALTER TABLE runs DROP COLUMN replay_of');
    s.db.pragma('user_version = 5');
    migrate(s.db);
    const perEpoch = (id: number) => {
      const r = getRun(s, id);
      return [r.trainSecondsPerEpoch, r.evalSecondsPerEpoch];
    };
    expect(runs.map(perEpoch)).toEqual([
      [2.5, 1.25],
      [4, 2],
      [26.5, 13.25],
    ]);
    expect(schemaVersion(s.db)).toBe(MIGRATIONS.at(-1)!.version);
    s.close();
  });

  it('records runs and their epochs', () => {
    const s = new Store(tempDir());
    const ds = insert(s, 'ds');
    const run = queueBprRun(s, ds.id, { dim: 4 });
    expect(run.status).toBe('queued');
    const { splitId } = getOrCreateSplit(s, ds.id, loadDataset(s, ds), 0, 499);
    markRunning(s, run.id, { splitId, backend: 'wasm', device: 'cpu', pid: process.pid });
    const m = { H5: 0.1, N5: 0.05, H10: 0.2, N10: 0.1, H20: 0.3, N20: 0.12 };
    recordEpoch(s, run.id, {
      epoch: 0,
      losses: { total: 3 },
      valid: m,
      test: m,
      trainSeconds: 1,
      evalSeconds: 0.1,
    });
    // A resumed run recomputes an epoch it had recorded: the new record replaces the old one.
    recordEpoch(s, run.id, {
      epoch: 0,
      losses: { total: 3 },
      valid: m,
      test: m,
      trainSeconds: 2,
      evalSeconds: 0.1,
    });
    expect(getRun(s, run.id)).toMatchObject({
      status: 'running',
      epochsRun: 1,
      backend: 'wasm',
      splitId,
      // While it trains: its best so far and pace (training + evaluation seconds).
      live: { bestEpoch: 0, bestValidH5: 0.1, secondsPerEpoch: 2.1 },
    });
    expect(listRuns(s).find((r) => r.id === run.id)?.live).toEqual(getRun(s, run.id).live);
    expect(getEpochs(s, run.id)).toEqual([
      { epoch: 0, losses: { total: 3 }, valid: m, test: m, trainSeconds: 2, evalSeconds: 0.1 },
    ]);
    s.close();
  });

  it('never gives a run id twice, even after the newest runs are deleted', () => {
    const home = tempDir();
    let s = new Store(home);
    const ds = insert(s, 'ds');
    const ids = [1, 2, 3].map(() => queueBprRun(s, ds.id, { dim: 4 }).id);
    expect(ids).toEqual([1, 2, 3]);
    deleteRun(s, 3);
    deleteRun(s, 2);
    expect(queueBprRun(s, ds.id, { dim: 4 }).id).toBe(4);
    s.close();
    s = new Store(home);
    deleteRun(s, 4);
    expect(queueBprRun(s, ds.id, { dim: 4 }).id).toBe(5);
    s.close();
  });

  it('reads a stored configuration once, typed by its kind; one no version wrote names its run', () => {
    const s = new Store(tempDir());
    const ds = insert(s, 'ds');
    const id = queueBprRun(s, ds.id).id;
    // An older version's row: settings added since are filled with their defaults.
    s.db
      .prepare('UPDATE runs SET config_json = ? WHERE id = ?')
      .run(JSON.stringify({ dataset: 'ds', model: 'BPR', dim: 8, oldKnob: 1 }), id);
    const run = getRun(s, id);
    expect(run.kind === 'train' && run.config).toMatchObject({ dim: 8, patience: 20, oldKnob: 1 });
    s.db.prepare('UPDATE runs SET config_json = ? WHERE id = ?').run('{"dim":"eight"}', id);
    expect(() => getRun(s, id)).toThrow(
      /run #1 has a configuration this version cannot read: .*dim: Invalid input: expected number/,
    );
    s.close();
  });
});

describe('array files', () => {
  it('round-trip named arrays atomically and read single rows', () => {
    const dir = tempDir();
    const path = join(dir, 'a.hkda');
    const m = Float32Array.from({ length: 12 }, (_, i) => i / 2);
    const { bytes, sha256 } = writeArrayFile(
      path,
      { m: { data: m, shape: [4, 3] }, ids: Int32Array.from([7, 8, 9]) },
      { note: 'x' },
    );
    expect(bytes).toBeGreaterThan(12 * 4);
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readdirSync(dir)).toEqual(['a.hkda']);
    const f = readArrayFile(path);
    expect(f.meta).toEqual({ note: 'x' });
    expect(f.get('m')).toEqual(m);
    expect(f.shape('m')).toEqual([4, 3]);
    expect(f.get('ids')).toEqual(Int32Array.from([7, 8, 9]));
    expect(Array.from(readArrayRows(path, 'm', 2))).toEqual([3, 3.5, 4]);
    expect(Array.from(readArrayRows(path, 'ids', 1, 2))).toEqual([8, 9]);
    expect(readArrayHeader(path)).toMatchObject({
      meta: { note: 'x' },
      arrays: { m: { shape: [4, 3], dtype: 'float32' } },
    });
    writeFileSync(join(dir, 'junk'), 'not an array file');
    expect(() => readArrayFile(join(dir, 'junk'))).toThrow(/bad magic/);
  });
});

describe('store shared by processes', () => {
  it('a read-then-write transaction waits for another process that holds the write lock', async () => {
    const s = new Store(tempDir());
    const ds = insert(s, 'ds');
    const run = queueBprRun(s, ds.id);
    // Another process takes the write lock, writes, and commits a second later. A deferred
    // transaction would read a snapshot, wait for the lock, and then fail (SQLITE_BUSY_SNAPSHOT:
    // "database is locked") because that snapshot is stale; an immediate one waits first.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = require('better-sqlite3')(process.argv[1]);
         db.prepare('BEGIN IMMEDIATE').run();
         db.prepare("UPDATE runs SET label = 'other process'").run();
         process.stdout.write('locked\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
         db.prepare('COMMIT').run();`,
        join(s.home, 'hkd.sqlite'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    const claimed = claimNextRun(s, process.pid);
    expect(claimed).toMatchObject({ id: run.id, status: 'running', label: 'other process' });
    await new Promise((r) => holder.on('exit', r));
    s.close();
  });

  it.runIf(process.platform === 'linux')(
    'a trainer killed but not yet reaped (a zombie) counts as gone, and its half-written files go',
    async () => {
      const s = new Store(tempDir());
      const ds = insert(s, 'ds');
      const run = queueBprRun(s, ds.id);
      // `sh` forks a short sleep and becomes a long one that never reaps it: a zombie for 5 s.
      const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 5'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const pid = Number(await new Promise<string>((r) => parent.stdout.once('data', r)));
      const { splitId } = getOrCreateSplit(s, ds.id, loadDataset(s, ds), 0, 499);
      markRunning(s, run.id, { splitId, backend: 'wasm', device: 'cpu', pid });
      // What it was writing when it was killed; another process's file is not its to remove.
      const dir = join(s.home, 'runs', String(run.id));
      mkdirSync(dir, { recursive: true });
      const mine = join(dir, `resume-3.hkda.tmp-${pid}`);
      const other = join(dir, `resume-3.hkda.tmp-${process.pid}`);
      [mine, other].forEach((f) => writeFileSync(f, 'partial'));
      expect(reapInterrupted(s)).toEqual([]);
      expect(existsSync(mine)).toBe(true);
      await new Promise((r) => setTimeout(r, 600));
      expect(() => process.kill(pid, 0)).not.toThrow();
      expect(reapInterrupted(s)).toEqual([run.id]);
      expect([existsSync(mine), existsSync(other)]).toEqual([false, true]);
      parent.kill();
      s.close();
    },
  );
});
