import type { Dataset } from '../../main/data/dataset';
import type { Split } from '../../main/data/split';
import type { Store } from '../../main/store/db';
import { writeSplit } from '../../main/store/split-file';
import { findSplit, recordSplit } from '../../main/store/splits';

/** The stored split of (dataset, seed), built, written and recorded on first use. */
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
