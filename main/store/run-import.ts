import type { EpochInfo, RunInfo, RunStatus } from '../contract';
import { median } from '../shared/mean-sd';
import type { Store } from './db';
import { nextRunId, recordEpoch } from './runs';

// Runs brought from another home (a run bundle): their records as they were there, under new ids.

/**
 * A run brought from another home: its record as it was there, under a new id — finished, or
 * interrupted at the checkpoint it brings.
 */
export type ImportedRun = Pick<
  RunInfo,
  | 'uid'
  | 'label'
  | 'kind'
  | 'model'
  | 'method'
  | 'datasetId'
  | 'seed'
  | 'teacherRunId'
  | 'backend'
  | 'device'
  | 'appVersion'
  | 'createdAt'
  | 'startedAt'
  | 'finishedAt'
  | 'bestEpoch'
  | 'summary'
  | 'trainSecondsPerEpoch'
  | 'evalSecondsPerEpoch'
> & {
  config: Record<string, unknown>;
  /** This home's split its ranks are on, when it has the very one. */
  splitId: number | null;
  status: Extract<RunStatus, 'completed' | 'cancelled' | 'interrupted'>;
  epochs: EpochInfo[];
};

/** Inserts an imported run and its epochs (inside the caller's write transaction); its new id. */
export function insertImportedRun(store: Store, r: ImportedRun): number {
  const id = nextRunId(store);
  // Bundles written before the medians (migration 6) carry means: restated from the epochs.
  const perEpoch = (given: number | null, k: 'trainSeconds' | 'evalSeconds') =>
    given === null || r.epochs.length === 0 ? given : median(r.epochs.map((e) => e[k]));
  store.db
    .prepare(
      `INSERT INTO runs (id, uid, label, kind, model, method, dataset_id, seed, teacher_run_id,
         split_id, config_json, status, backend, device, app_version, created_at, started_at, finished_at,
         epochs_run, best_epoch, summary_json, train_seconds_per_epoch, eval_seconds_per_epoch)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      id,
      r.uid,
      r.label,
      r.kind,
      r.model,
      r.method,
      r.datasetId,
      r.seed,
      r.teacherRunId,
      r.splitId,
      JSON.stringify(r.config),
      r.status,
      r.backend,
      r.device,
      r.appVersion,
      r.createdAt,
      r.startedAt,
      r.finishedAt,
      r.epochs.length,
      r.bestEpoch,
      r.summary ? JSON.stringify(r.summary) : null,
      perEpoch(r.trainSecondsPerEpoch, 'trainSeconds'),
      perEpoch(r.evalSecondsPerEpoch, 'evalSeconds'),
    );
  for (const e of r.epochs) recordEpoch(store, id, e);
  return id;
}

/** The portable id of run `id`, if this home still has it. */
export function uidOfRun(store: Store, id: number): string | undefined {
  const r = store.db.prepare('SELECT uid FROM runs WHERE id = ?').get(id) as
    { uid: string } | undefined;
  return r?.uid;
}

/** The run with this portable id, if this home has it. */
export function runIdByUid(store: Store, uid: string): number | undefined {
  const r = store.db.prepare('SELECT id FROM runs WHERE uid = ?').get(uid) as
    { id: number } | undefined;
  return r?.id;
}
