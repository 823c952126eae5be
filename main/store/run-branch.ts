import { randomUUID } from 'node:crypto';
import { now, type Store } from './db';

// A branch's record (ops/branch.ts): a new run that continues another's epochs.

/**
 * Inserts run `branchId` with the identity, lineage and first `epochsDone` epochs of run
 * `sourceId` (inside the caller's write transaction).
 */
export function insertBranch(
  store: Store,
  sourceId: number,
  branchId: number,
  b: { config: Record<string, unknown>; label: string; status: string; epochsDone: number },
): void {
  const db = store.db;
  db.prepare(
    `INSERT INTO runs (id, uid, label, kind, model, method, dataset_id, seed, teacher_run_id,
       split_id, config_json, status, backend, device, app_version, created_at, started_at,
       epochs_run, branch_of)
     SELECT ?, ?, ?, kind, model, method, dataset_id, seed,
       teacher_run_id, split_id, ?, ?, backend, device, app_version, ?, started_at, ?, id
     FROM runs WHERE id = ?`,
  ).run(
    branchId,
    randomUUID(),
    b.label,
    JSON.stringify(b.config),
    b.status,
    now(),
    b.epochsDone,
    sourceId,
  );
  db.prepare(
    `INSERT INTO epochs (run_id, epoch, losses_json, valid_json, test_json, train_seconds,
       eval_seconds, diagnostics_json)
     SELECT ?, epoch, losses_json, valid_json, test_json, train_seconds, eval_seconds,
       diagnostics_json FROM epochs WHERE run_id = ? AND epoch < ?`,
  ).run(branchId, sourceId, b.epochsDone);
  db.prepare(
    'INSERT INTO run_deps (run_id, depends_on) SELECT ?, depends_on FROM run_deps WHERE run_id = ?',
  ).run(branchId, sourceId);
}

/** Records that run `id` is a branch of run `source` (an import links them once both are in). */
export function linkBranch(store: Store, id: number, source: number): void {
  store.db.prepare('UPDATE runs SET branch_of = ? WHERE id = ?').run(source, id);
}
