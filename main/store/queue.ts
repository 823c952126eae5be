import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors';
import { now, type Store } from './db';
import { getRun } from './runs';
import { reapInterrupted } from './run-processes';
import type { RunInfo, RunStatus } from '../contract';

/**
 * `ORDER BY` over queued runs aliased `q`, the order a runner claims them in: runs moved to the
 * front (queue-order.ts; lowest rank first), then the rest oldest first. Only queued runs have
 * a rank: claiming, cancelling or failing a run clears it.
 */
export const QUEUE_ORDER = 'q.queue_rank IS NULL, q.queue_rank, q.id';

/** `runId` may start only once every run in `deps` has completed. */
export function addDependencies(store: Store, runId: number, deps: number[]): void {
  const add = store.db.prepare('INSERT OR IGNORE INTO run_deps (run_id, depends_on) VALUES (?, ?)');
  store.write(() => {
    for (const d of new Set(deps)) if (d !== runId) add.run(runId, d);
  });
}

export function dependenciesOf(store: Store, runId: number): { id: number; status: RunStatus }[] {
  return store.db
    .prepare(
      `SELECT r.id, r.status FROM run_deps d JOIN runs r ON r.id = d.depends_on
       WHERE d.run_id = ? ORDER BY r.id`,
    )
    .all(runId) as { id: number; status: RunStatus }[];
}

/**
 * Fails queued runs that can never start because a run they depend on failed or was cancelled
 * (transitively: the failure of one propagates on the next call). Returns their ids.
 */
export function failBlockedRuns(store: Store): number[] {
  const blocked = store.db
    .prepare(
      `SELECT d.run_id AS id, MIN(r.id) AS dep, r.status AS status
       FROM run_deps d JOIN runs q ON q.id = d.run_id JOIN runs r ON r.id = d.depends_on
       WHERE q.status = 'queued' AND r.status IN ('failed', 'cancelled')
       GROUP BY d.run_id`,
    )
    .all() as { id: number; dep: number; status: string }[];
  const fail = store.db.prepare(
    `UPDATE runs SET status = 'failed', error = ?, finished_at = ?, queue_rank = NULL
     WHERE id = ? AND status = 'queued'`,
  );
  store.write(() => {
    for (const b of blocked) fail.run(`run #${b.dep} it depends on was ${b.status}`, now(), b.id);
  });
  return blocked.map((b) => b.id);
}

/**
 * Takes the oldest queued run whose dependencies have all completed, marking it running and owned
 * by `pid` in the same statement, so two runners sharing a store never start the same run.
 */
export function claimNextRun(store: Store, pid: number): RunInfo | undefined {
  return store.write(() => {
    const next = store.db
      .prepare(
        `SELECT q.id FROM runs q WHERE q.status = 'queued' AND NOT EXISTS (
           SELECT 1 FROM run_deps d JOIN runs r ON r.id = d.depends_on
           WHERE d.run_id = q.id AND r.status != 'completed')
         ORDER BY ${QUEUE_ORDER} LIMIT 1`,
      )
      .get() as { id: number } | undefined;
    if (!next) return undefined;
    store.db
      .prepare(
        `UPDATE runs SET status = 'running', pid = ?, started_at = COALESCE(started_at, ?),
           error = NULL, last_output = NULL, finished_at = NULL, queue_rank = NULL WHERE id = ?`,
      )
      .run(pid, now(), next.id);
    return getRun(store, next.id);
  });
}

/**
 * Puts an interrupted or failed run back in the queue, at its front: work already begun goes on
 * before new work. It resumes from its last checkpoint.
 */
export function requeueRun(store: Store, id: number): RunInfo {
  return store.write(() => {
    const run = getRun(store, id);
    if (run.status !== 'interrupted' && run.status !== 'failed')
      throw new InputError(
        `run #${id} is ${run.status}; only interrupted or failed runs can be resumed`,
      );
    store.db
      .prepare(
        `UPDATE runs SET status = 'queued', finished_at = NULL, queue_rank = (
           SELECT MIN(COALESCE(MIN(queue_rank), 0), 0) - 1 FROM runs WHERE status = 'queued')
         WHERE id = ?`,
      )
      .run(id);
    return getRun(store, id);
  });
}

/**
 * Every interrupted run back at the front of the queue, oldest first (those whose process died
 * found first); their ids.
 */
export function requeueInterrupted(store: Store): number[] {
  reapInterrupted(store);
  const ids = (
    store.db.prepare("SELECT id FROM runs WHERE status = 'interrupted' ORDER BY id").all() as {
      id: number;
    }[]
  ).map((r) => r.id);
  // Each goes before the front: the newest first, so that the oldest ends up first.
  store.write(() => ids.toReversed().forEach((id) => requeueRun(store, id)));
  return ids;
}

/**
 * Runs that have started training from `runId`: its students, runs it guided (a TAKD link, a DGKD
 * TA) and HyperKDMA runs it served as a pretrained TA. Queued ones are not among them: they will
 * use whatever the run is when they start.
 */
export function runsBuiltFrom(store: Store, runId: number): number[] {
  const rows = store.db
    .prepare(
      `SELECT r.id FROM runs r WHERE r.id != @id AND r.started_at IS NOT NULL AND (
         r.teacher_run_id = @id
         OR EXISTS (SELECT 1 FROM json_each(r.config_json, '$.guideRuns') WHERE value = @id)
         OR EXISTS (SELECT 1 FROM json_each(r.config_json, '$.pretrainedTaRuns') WHERE value = @id))
       ORDER BY r.id`,
    )
    .all({ id: runId }) as { id: number }[];
  return rows.map((r) => r.id);
}

/**
 * Gives a finished run a new configuration and puts it back as `status` (queued for the runner,
 * interrupted for a process about to continue it) in one statement: a crash leaves a run that
 * resumes under the new configuration, never old results under it. What it finished with goes too
 * — its summary, and its results' files (representations, per-user ranks, gates, best parameters)
 * whose absolute paths it returns, to delete once the transaction has committed — so that nothing
 * (`hkd paired`, the gates view) reads the results of a run that trains on as if they were its
 * own. Until it finishes again, its best so far comes from its epochs, as any unfinished run's
 * does. Call it inside the transaction that checked the run may be reopened.
 */
export function reopenRun(
  store: Store,
  id: number,
  config: Record<string, unknown>,
  status: Extract<RunStatus, 'queued' | 'interrupted'>,
): { run: RunInfo; stale: string[] } {
  store.db
    .prepare(
      `UPDATE runs SET config_json = ?, status = ?, finished_at = NULL, error = NULL,
         best_epoch = NULL, summary_json = NULL, train_seconds_per_epoch = NULL,
         eval_seconds_per_epoch = NULL WHERE id = ?`,
    )
    .run(JSON.stringify(config), status, id);
  const stale = store.db
    .prepare(`DELETE FROM artifacts WHERE run_id = ? AND kind != 'resume' RETURNING path`)
    .all(id) as { path: string }[];
  return { run: getRun(store, id), stale: stale.map((a) => join(store.home, a.path)) };
}

/** Cancels a run that has not started. */
export function cancelQueuedRun(store: Store, id: number): boolean {
  return (
    store.db
      .prepare(
        `UPDATE runs SET status = 'cancelled', finished_at = ?, queue_rank = NULL
         WHERE id = ? AND status = 'queued'`,
      )
      .run(now(), id).changes === 1
  );
}

/** How a trainer ended without reporting it: kept with the run for whoever investigates. */
export function endRunAbnormally(
  store: Store,
  id: number,
  status: Extract<RunStatus, 'interrupted' | 'cancelled' | 'failed'>,
  error: string,
  lastOutput: string,
): void {
  store.db
    .prepare(
      `UPDATE runs SET status = ?, error = ?, last_output = ?, finished_at = ?
       WHERE id = ? AND status = 'running'`,
    )
    .run(status, error, lastOutput, now(), id);
}

/** The trainer's last output, kept when it failed or was killed. */
export function lastOutput(store: Store, id: number): string | null {
  const r = store.db.prepare('SELECT last_output FROM runs WHERE id = ?').get(id) as
    { last_output: string | null } | undefined;
  return r?.last_output ?? null;
}

export function setLastOutput(store: Store, id: number, text: string): void {
  store.db.prepare('UPDATE runs SET last_output = ? WHERE id = ?').run(text, id);
}

/**
 * Deletes a run that is not running, with its epochs, artifacts and files. Runs built from it
 * keep its id in their configuration (the workbench shows the source as deleted).
 */
export function deleteRun(store: Store, id: number): void {
  const run = getRun(store, id);
  if (run.status === 'running') throw new InputError(`run #${id} is running; cancel it first`);
  store.write(() => {
    store.db.prepare('UPDATE runs SET teacher_run_id = NULL WHERE teacher_run_id = ?').run(id);
    store.db.prepare('DELETE FROM runs WHERE id = ?').run(id);
  });
  rmSync(join(store.home, 'runs', `${id}`), { recursive: true, force: true });
}
