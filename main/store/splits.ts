import { join } from 'node:path';
import type { Dataset } from '../data/dataset';
import { buildSplit, type Split } from '../data/split';
import { readArrayFile } from './array-file';
import { findArtifact, recordArtifact, writeArtifact, type ArtifactFile } from './artifacts';
import { now, type Store } from './db';

/** A split built and written by a trainer, for the store's owner to record. */
export interface NewSplit {
  datasetId: number;
  seed: number;
  nCandidates: number;
  nTrain: number;
  file: ArtifactFile;
}

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

/** The stored split of (dataset, seed), if one exists. */
export function findSplit(
  store: Store,
  datasetId: number,
  seed: number,
  nCandidates: number,
): { splitId: number; split: Split } | undefined {
  const id = findSplitId(store, datasetId, seed, nCandidates);
  return id === undefined ? undefined : { splitId: id, split: loadSplit(store, id, seed) };
}

/**
 * Builds the split of (dataset, seed) and writes its file. The file's name depends only on
 * (dataset, seed, candidates) and its content is deterministic, so two trainers building the same
 * split at once write the same bytes.
 */
export function writeSplit(
  home: string,
  datasetId: number,
  dataset: Dataset,
  seed: number,
  nCandidates: number,
): { split: Split; record: NewSplit } {
  const split = buildSplit(dataset, seed, nCandidates);
  const file = writeArtifact(
    home,
    'split',
    join('splits', `${datasetId}-seed${seed}-c${nCandidates}.hkda`),
    {
      valid: split.valid,
      test: split.test,
      candidates: { data: split.candidates, shape: [dataset.nUsers, nCandidates] },
    },
    { seed, nCandidates },
  );
  const nTrain = dataset.items.length - 2 * dataset.nUsers;
  return { split, record: { datasetId, seed, nCandidates, nTrain, file } };
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

/**
 * Returns the stored split of (dataset, seed), building and storing it on first use so every run
 * of that seed, teacher, student and TA alike, ranks against the same candidates.
 */
export function getOrCreateSplit(
  store: Store,
  datasetId: number,
  dataset: Dataset,
  seed: number,
  nCandidates: number,
): { splitId: number; split: Split } {
  const existing = findSplit(store, datasetId, seed, nCandidates);
  if (existing) return existing;
  const { split, record } = writeSplit(store.home, datasetId, dataset, seed, nCandidates);
  return { splitId: recordSplit(store, record), split };
}

function loadSplit(store: Store, splitId: number, seed: number): Split {
  const a = findArtifact(store, { splitId }, 'split');
  if (!a) throw new Error(`split #${splitId} has no stored file`);
  const f = readArrayFile(join(store.home, a.path));
  return {
    seed,
    nCandidates: f.shape('candidates')[1],
    valid: f.get('valid'),
    test: f.get('test'),
    candidates: f.get('candidates'),
  };
}
