import { join } from 'node:path';
import { pairedComparison } from '../analysis/paired';
import { InputError } from '../errors';
import { readArrayFile } from '../store/array-file';
import { findArtifact } from '../store/artifacts';
import type { Store } from '../store/db';
import { getRun } from '../store/runs';

/** Each test user's rank of its held-out item under a completed run. */
export function ranksOf(store: Store, runId: number): Int32Array {
  const a = findArtifact(store, { runId }, 'ranks');
  if (!a) throw new InputError(`run #${runId} has no per-user ranks (it has not completed)`);
  return readArrayFile(join(store.home, a.path)).get<Int32Array>('test');
}

/** Per-user paired comparison of two runs ranked on the same split. */
export function comparePaired(store: Store, a: number, b: number, k: number) {
  const ra = getRun(store, a);
  const rb = getRun(store, b);
  if (ra.splitId === null || ra.splitId !== rb.splitId)
    throw new InputError(`runs #${a} and #${b} were not ranked on the same split`);
  return pairedComparison(ranksOf(store, a), ranksOf(store, b), k);
}
