import type { Split } from '../data/split';
import { findArtifact, recordArtifact } from './artifacts';
import { now, type Store } from './db';
import { readSplit, type NewSplit } from './split-file';

function findSplitId(
  store: Store,
  datasetId: number,
  seed: number,
  nCandidates: number,
): number | undefined {
  const r = store.db
    .prepare('SELECT id FROM splits WHERE dataset_id = ? AND seed = ? AND n_candidates = ?')
    .get(datasetId, seed, nCandidates) as { id: number } | undefined;
  return r?.id;
}

/** A stored split's key and the SHA-256 of its file. */
export function splitRecord(
  store: Store,
  splitId: number,
): { seed: number; candidates: number; sha256: string } | undefined {
  return store.db
    .prepare(
      `SELECT s.seed, s.n_candidates AS candidates, a.sha256 FROM splits s
       JOIN artifacts a ON a.split_id = s.id AND a.kind = 'split' WHERE s.id = ?`,
    )
    .get(splitId) as { seed: number; candidates: number; sha256: string } | undefined;
}

/** Where the stored split of (dataset, seed) is, if one exists (its file relative to home). */
export function findSplitFile(
  store: Store,
  datasetId: number,
  seed: number,
  nCandidates: number,
): { splitId: number; path: string } | undefined {
  const splitId = findSplitId(store, datasetId, seed, nCandidates);
  if (splitId === undefined) return undefined;
  const a = findArtifact(store, { splitId }, 'split');
  if (!a) throw new Error(`split #${splitId} has no stored file`);
  return { splitId, path: a.path };
}

/** The stored split of (dataset, seed), if one exists. */
export function findSplit(
  store: Store,
  datasetId: number,
  seed: number,
  nCandidates: number,
): { splitId: number; split: Split } | undefined {
  const f = findSplitFile(store, datasetId, seed, nCandidates);
  return f && { splitId: f.splitId, split: readSplit(store.home, f.path, seed) };
}

/** Records a written split unless the same one was recorded meanwhile; returns its id. */
export function recordSplit(store: Store, s: NewSplit): number {
  return store.write(() => {
    const again = findSplitId(store, s.datasetId, s.seed, s.nCandidates);
    if (again !== undefined) return again;
    const info = store.db
      .prepare(
        `INSERT INTO splits (dataset_id, seed, n_candidates, n_train, created_at)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(s.datasetId, s.seed, s.nCandidates, s.nTrain, now());
    const id = Number(info.lastInsertRowid);
    recordArtifact(store, { splitId: id }, s.file);
    return id;
  });
}
