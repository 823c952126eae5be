import { join } from 'node:path';
import type { ArtifactFile } from './artifact-file';
import { now, type Store } from './db';

export type ArtifactOwner = { datasetId: number } | { splitId: number } | { runId: number };

export interface ArtifactRow {
  id: number;
  kind: string;
  path: string;
  bytes: number;
  sha256: string;
}

/** Records a written file; replaces the row of an earlier file at the same path. */
export function recordArtifact(store: Store, owner: ArtifactOwner, f: ArtifactFile): ArtifactRow {
  const o = owner as Partial<{ datasetId: number; splitId: number; runId: number }>;
  const info = store.db
    .prepare(
      `INSERT INTO artifacts (dataset_id, split_id, run_id, kind, path, bytes, sha256, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET bytes = excluded.bytes, sha256 = excluded.sha256,
         created_at = excluded.created_at`,
    )
    .run(
      o.datasetId ?? null,
      o.splitId ?? null,
      o.runId ?? null,
      f.kind,
      f.path,
      f.bytes,
      f.sha256,
      now(),
    );
  return { id: Number(info.lastInsertRowid), ...f };
}

export function findArtifact(
  store: Store,
  owner: ArtifactOwner,
  kind: string,
): ArtifactRow | undefined {
  const [col, id] =
    'datasetId' in owner
      ? ['dataset_id', owner.datasetId]
      : 'splitId' in owner
        ? ['split_id', owner.splitId]
        : ['run_id', owner.runId];
  return store.db
    .prepare(`SELECT id, kind, path, bytes, sha256 FROM artifacts WHERE ${col} = ? AND kind = ?`)
    .get(id, kind) as ArtifactRow | undefined;
}

export function listArtifacts(store: Store, runId: number): ArtifactRow[] {
  return store.db
    .prepare('SELECT id, kind, path, bytes, sha256 FROM artifacts WHERE run_id = ? ORDER BY id')
    .all(runId) as ArtifactRow[];
}

/**
 * Removes an artifact's row and returns its file's absolute path, to delete once the transaction
 * that removed the row has committed (a file never disappears under a row that still names it).
 */
export function unrecordArtifact(
  store: Store,
  owner: ArtifactOwner,
  kind: string,
): string | undefined {
  const a = findArtifact(store, owner, kind);
  if (!a) return undefined;
  store.db.prepare('DELETE FROM artifacts WHERE id = ?').run(a.id);
  return join(store.home, a.path);
}

/** The absolute path of a run's artifact of a kind, if it has one. */
export function artifactPath(store: Store, runId: number, kind: string): string | undefined {
  const a = findArtifact(store, { runId }, kind);
  return a && join(store.home, a.path);
}
