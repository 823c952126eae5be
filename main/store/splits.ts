import { join } from 'node:path';
import type { Dataset } from '../data/dataset';
import { buildSplit, type Split } from '../data/split';
import { readArrayFile } from './array-file';
import { findArtifact, saveArrays } from './artifacts';
import { now, type Store } from './db';

interface SplitDbRow {
  id: number;
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
  const find = () =>
    store.db
      .prepare('SELECT id FROM splits WHERE dataset_id = ? AND seed = ? AND n_candidates = ?')
      .get(datasetId, seed, nCandidates) as SplitDbRow | undefined;
  const existing = find();
  if (existing) return { splitId: existing.id, split: loadSplit(store, existing.id, seed) };
  const split = buildSplit(dataset, seed, nCandidates);
  const splitId = store.db.transaction(() => {
    const again = find();
    if (again) return again.id;
    const info = store.db
      .prepare(
        `INSERT INTO splits (dataset_id, seed, n_candidates, n_train, created_at)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(datasetId, seed, nCandidates, dataset.items.length - 2 * dataset.nUsers, now());
    const id = Number(info.lastInsertRowid);
    saveArrays(
      store,
      { splitId: id },
      'split',
      join('splits', `${datasetId}-seed${seed}-c${nCandidates}.hkda`),
      {
        valid: split.valid,
        test: split.test,
        candidates: { data: split.candidates, shape: [dataset.nUsers, nCandidates] },
      },
      { seed, nCandidates },
    );
    return id;
  })();
  return { splitId, split };
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
