import type { DatasetInfo } from '../contract';
import type { Dataset } from '../data/dataset';
import type { Store } from '../store/db';
import { loadDataset } from '../store/datasets';
import { writeSplit } from '../store/split-file';
import { findSplitFile, recordSplit, splitRecord } from '../store/splits';

// Imported runs' splits. A bundle names each run's split by its seed, candidate count and file
// hash instead of carrying it; this home's split of that key — stored, or built now from the
// seed — is linked only if it is that very file, since a paired test between two runs is sound
// only on the same test items and candidates.

export interface SplitKey {
  seed: number;
  candidates: number;
  sha256: string;
}

const keyOf = (k: SplitKey) => `${k.seed}/${k.candidates}/${k.sha256}`;

/**
 * For each key, this home's split id when its file is the one named. A split built here is
 * recorded either way (it is what this home's own runs would use); a key this home's version
 * builds differently is left out, and its runs import unpaired.
 */
export function linkSplits(store: Store, ds: DatasetInfo, keys: SplitKey[]): Map<string, number> {
  const out = new Map<string, number>();
  let data: Dataset | undefined;
  for (const k of keys) {
    if (out.has(keyOf(k))) continue;
    let id = findSplitFile(store, ds.id, k.seed, k.candidates)?.splitId;
    if (id === undefined) {
      data ??= loadDataset(store, ds);
      id = recordSplit(store, writeSplit(store.home, ds.id, data, k.seed, k.candidates).record);
    }
    if (splitRecord(store, id)?.sha256 === k.sha256) out.set(keyOf(k), id);
  }
  return out;
}

/** The linked split of a run's key, or null (none named, or not this home's). */
export const linkedSplit = (links: Map<string, number>, k: SplitKey | undefined): number | null =>
  (k && links.get(keyOf(k))) ?? null;
