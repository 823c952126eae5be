import { randomUUID } from 'node:crypto';
import { ZodError } from 'zod';
import {
  isUnfinished,
  parseStoredConfig,
  type EarlyStopRule,
  type EpochInfo,
  type LiveProgress,
  type Metrics,
  type RunInfo,
  type RunStatus,
  type RunSummary,
} from '../contract';
import { nextLive } from '../shared/best-so-far';
import { stopReason } from '../shared/run-outcome';
import { NotFoundError, StorageError } from '../errors';
import { APP_VERSION } from '../version';
import { now, type Store } from './db';
import { getSetting, setSetting } from './settings';

/** A run as stored and as every face sees it (the contract's wire types). */

interface DbRun {
  id: number;
  uid: string;
  label: string | null;
  kind: 'train' | 'distill';
  model: string;
  method: string | null;
  dataset_id: number;
  dataset_name: string | null;
  split_id: number | null;
  seed: number;
  teacher_run_id: number | null;
  config_json: string;
  status: RunStatus;
  backend: string | null;
  device: string | null;
  app_version: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  epochs_run: number;
  best_epoch: number | null;
  summary_json: string | null;
  train_seconds_per_epoch: number | null;
  eval_seconds_per_epoch: number | null;
  error: string | null;
  branch_of: number | null;
  replay_of: number | null;
}

/** A run's configuration, read once here; a store no version wrote is named, not guessed at. */
function storedConfig(r: DbRun) {
  try {
    return parseStoredConfig(r.kind, r.config_json);
  } catch (e) {
    const why =
      e instanceof ZodError
        ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
        : String(e);
    throw new StorageError(`run #${r.id} has a configuration this version cannot read: ${why}`);
  }
}

function toRun(r: DbRun, live: LiveProgress | null = null): RunInfo {
  const stored = storedConfig(r);
  return {
    id: r.id,
    uid: r.uid,
    label: r.label,
    ...stored,
    model: r.model,
    method: r.method,
    datasetId: r.dataset_id,
    dataset: r.dataset_name,
    splitId: r.split_id,
    seed: r.seed,
    teacherRunId: r.teacher_run_id,
    branchOf: r.branch_of,
    replayOf: r.replay_of,
    status: r.status,
    backend: r.backend,
    device: r.device,
    appVersion: r.app_version,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    epochsRun: r.epochs_run,
    bestEpoch: r.best_epoch,
    summary: r.summary_json ? (JSON.parse(r.summary_json) as RunSummary) : null,
    trainSecondsPerEpoch: r.train_seconds_per_epoch,
    evalSecondsPerEpoch: r.eval_seconds_per_epoch,
    error: r.error,
    stopReason: stopReason({
      status: r.status,
      epochsRun: r.epochs_run,
      bestEpoch: r.best_epoch,
      error: r.error,
      config: stored.config,
    }),
    live,
  };
}

/** Best so far and pace of each unfinished run with epochs (a finished one has its summary). */
function liveProgress(store: Store, ids?: number[]): Map<number, LiveProgress> {
  const rows = store.db
    .prepare(
      `SELECT e.run_id AS runId, e.epoch, json_extract(e.valid_json, '$.H5') AS H5,
         json_extract(e.valid_json, '$.H10') AS H10, json_extract(e.valid_json, '$.H20') AS H20,
         e.train_seconds AS trainSeconds, e.eval_seconds AS evalSeconds,
         coalesce(json_extract(r.config_json, '$.earlyStop'), 'h5') AS rule
       FROM epochs e JOIN runs r ON r.id = e.run_id
       WHERE r.status NOT IN ('completed', 'cancelled') ${ids ? `AND r.id = ?` : ''}
       ORDER BY e.run_id, e.epoch`,
    )
    .all(...(ids ?? [])) as {
    runId: number;
    epoch: number;
    H5: number;
    H10: number;
    H20: number;
    trainSeconds: number;
    evalSeconds: number;
    rule: EarlyStopRule;
  }[];
  const out = new Map<number, LiveProgress>();
  for (const { H5, H10, H20, ...e } of rows)
    out.set(e.runId, nextLive(out.get(e.runId) ?? null, { ...e, valid: { H5, H10, H20 } }, e.rule));
  return out;
}

export function createRun(
  store: Store,
  r: {
    label?: string;
    kind: 'train' | 'distill';
    model: string;
    method?: string;
    datasetId: number;
    seed: number;
    teacherRunId?: number;
    config: Record<string, unknown>;
  },
  /**
   * A run trained at once by this process starts out running under its pid: if the process dies
   * before it reports anything, the run is interrupted (resumable), never left queued.
   */
  runningPid?: number,
): RunInfo {
  return store.write(() => {
    const id = nextRunId(store);
    insertRun(store, id, r, runningPid);
    return getRun(store, id);
  });
}

/** A new run's id (inside a write transaction). */
export function nextRunId(store: Store): number {
  // Ids are never given twice, even after the newest runs are deleted: notes and exports that
  // cite a run by its id must keep meaning that run.
  const newest = store.db.prepare('SELECT max(id) AS id FROM runs').get() as {
    id: number | null;
  };
  const id = Math.max(newest.id ?? 0, getSetting(store, LAST_RUN_ID, 0)) + 1;
  setSetting(store, LAST_RUN_ID, id);
  return id;
}

const LAST_RUN_ID = 'lastRunId';

function insertRun(
  store: Store,
  id: number,
  r: Parameters<typeof createRun>[1],
  runningPid: number | undefined,
): void {
  store.db
    .prepare(
      `INSERT INTO runs (id, uid, label, kind, model, method, dataset_id, seed, teacher_run_id,
         config_json, status, pid, started_at, app_version, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      id,
      randomUUID(),
      r.label ?? null,
      r.kind,
      r.model,
      r.method ?? null,
      r.datasetId,
      r.seed,
      r.teacherRunId ?? null,
      JSON.stringify(r.config),
      runningPid === undefined ? 'queued' : 'running',
      runningPid ?? null,
      runningPid === undefined ? null : now(),
      APP_VERSION,
      now(),
    );
}

export function markRunning(
  store: Store,
  id: number,
  env: { splitId: number; backend: string; device: string; pid: number },
): void {
  store.db
    .prepare(
      `UPDATE runs SET status = 'running', split_id = ?, backend = ?, device = ?, pid = ?,
         started_at = COALESCE(started_at, ?), error = NULL, last_output = NULL,
         finished_at = NULL WHERE id = ?`,
    )
    .run(env.splitId, env.backend, env.device, env.pid, now(), id);
}

/** One epoch's record and the run's progress counter change together or not at all. */
export function recordEpoch(store: Store, runId: number, e: EpochInfo): void {
  store.write(() => {
    store.db
      .prepare(
        `INSERT OR REPLACE INTO epochs (run_id, epoch, losses_json, valid_json, test_json, train_seconds,
           eval_seconds, diagnostics_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        runId,
        e.epoch,
        JSON.stringify(e.losses),
        JSON.stringify(e.valid),
        JSON.stringify(e.test),
        e.trainSeconds,
        e.evalSeconds,
        e.diagnostics ? JSON.stringify(e.diagnostics) : null,
      );
    store.db.prepare('UPDATE runs SET epochs_run = ? WHERE id = ?').run(e.epoch + 1, runId);
  });
}

export function finishRun(
  store: Store,
  id: number,
  f: {
    status: Extract<RunStatus, 'completed' | 'cancelled'>;
    summary: RunSummary;
    trainSecondsPerEpoch: number;
    evalSecondsPerEpoch: number;
  },
): void {
  store.db
    .prepare(
      `UPDATE runs SET status = ?, best_epoch = ?, summary_json = ?, train_seconds_per_epoch = ?,
         eval_seconds_per_epoch = ?, finished_at = ? WHERE id = ?`,
    )
    .run(
      f.status,
      f.summary.bestEpoch,
      JSON.stringify(f.summary),
      f.trainSecondsPerEpoch,
      f.evalSecondsPerEpoch,
      now(),
      id,
    );
}

/** A run cancelled before its first epoch finished: nothing to summarise. */
export function cancelRun(store: Store, id: number): void {
  store.db
    .prepare(`UPDATE runs SET status = 'cancelled', finished_at = ? WHERE id = ?`)
    .run(now(), id);
}

export function failRun(store: Store, id: number, error: string): void {
  store.db
    .prepare(`UPDATE runs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?`)
    .run(error, now(), id);
}

/** Runs with their dataset's name (null once the dataset is deleted). */
const SELECT_RUNS =
  'SELECT r.*, d.name AS dataset_name FROM runs r LEFT JOIN datasets d ON d.id = r.dataset_id';

export function getRun(store: Store, id: number): RunInfo {
  const run = findRun(store, id);
  if (!run) throw new NotFoundError(`run #${id}`);
  return run;
}

/** Run `id`, or undefined if there is none (deleted, or a replay folded into its run). */
export function findRun(store: Store, id: number): RunInfo | undefined {
  const r = store.db.prepare(`${SELECT_RUNS} WHERE r.id = ?`).get(id) as DbRun | undefined;
  if (!r) return undefined;
  const live = isUnfinished(r.status) ? liveProgress(store, [id]).get(id) : undefined;
  return toRun(r, live ?? null);
}

export function listRuns(store: Store): RunInfo[] {
  const live = liveProgress(store);
  return (store.db.prepare(`${SELECT_RUNS} ORDER BY r.id`).all() as DbRun[]).map((r) =>
    toRun(r, live.get(r.id) ?? null),
  );
}

export function getEpochs(store: Store, runId: number): EpochInfo[] {
  type Row = {
    epoch: number;
    losses_json: string;
    valid_json: string;
    test_json: string;
    train_seconds: number;
    eval_seconds: number;
    diagnostics_json: string | null;
  };
  return (
    store.db.prepare('SELECT * FROM epochs WHERE run_id = ? ORDER BY epoch').all(runId) as Row[]
  ).map((r) => ({
    epoch: r.epoch,
    losses: JSON.parse(r.losses_json) as Record<string, number>,
    valid: JSON.parse(r.valid_json) as Metrics,
    test: JSON.parse(r.test_json) as Metrics,
    trainSeconds: r.train_seconds,
    evalSeconds: r.eval_seconds,
    ...(r.diagnostics_json
      ? { diagnostics: JSON.parse(r.diagnostics_json) as Record<string, unknown> }
      : {}),
  }));
}

/**
 * A resumed run recomputes the epochs after its checkpoint (identically: same RNG states). Their
 * records stay visible meanwhile and are replaced one by one; only the counter goes back.
 */
export function rewindEpochs(store: Store, runId: number, epoch: number): void {
  store.db.prepare('UPDATE runs SET epochs_run = ? WHERE id = ?').run(epoch, runId);
}

/** Records an earlier process left past where this one stopped. */
export function dropEpochsPastEnd(store: Store, runId: number): void {
  store.db
    .prepare(
      'DELETE FROM epochs WHERE run_id = ? AND epoch >= (SELECT epochs_run FROM runs WHERE id = ?)',
    )
    .run(runId, runId);
}
