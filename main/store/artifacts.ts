import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeArrayFile, type NamedArray, type TypedArray } from './array-file';
import { now, type Store } from './db';

export type ArtifactOwner = { datasetId: number } | { splitId: number } | { runId: number };

export interface ArtifactRow {
  id: number;
  kind: string;
  path: string;
  bytes: number;
  sha256: string;
}

/**
 * Writes an array file and records it. Call inside the transaction that creates its owner, so a
 * failure leaves neither the row nor (thanks to temp+rename) a half-written file under its name.
 */
export function saveArrays(
  store: Store,
  owner: ArtifactOwner,
  kind: string,
  rel: string,
  arrays: Record<string, NamedArray | TypedArray>,
  meta: Record<string, unknown> = {},
  opts: { hash?: boolean } = {},
): ArtifactRow {
  const abs = store.artifactPath(rel);
  const { bytes, sha256 } = writeArrayFile(abs, arrays, meta, opts);
  const path = relative(store.home, abs);
  const o = owner as Partial<{ datasetId: number; splitId: number; runId: number }>;
  const info = store.db
    .prepare(
      `INSERT INTO artifacts (dataset_id, split_id, run_id, kind, path, bytes, sha256, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET bytes = excluded.bytes, sha256 = excluded.sha256,
         created_at = excluded.created_at`,
    )
    .run(o.datasetId ?? null, o.splitId ?? null, o.runId ?? null, kind, path, bytes, sha256, now());
  return { id: Number(info.lastInsertRowid), kind, path, bytes, sha256 };
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

/** Removes an artifact's row and file (used for resume checkpoints once a run completes). */
export function deleteArtifact(store: Store, owner: ArtifactOwner, kind: string): void {
  const a = findArtifact(store, owner, kind);
  if (!a) return;
  store.db.prepare('DELETE FROM artifacts WHERE id = ?').run(a.id);
  rmSync(join(store.home, a.path), { force: true });
}
