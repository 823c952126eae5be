import type { RunInfo } from '../contract';
import { InputError, NotFoundError } from '../errors';
import type { Store } from '../store/db';
import { runIdByUid } from '../store/run-import';
import { getRun, listRuns } from '../store/runs';

// Runs as people name them: by id, by portable uid (a bundle's commands name runs by it), or by
// label — the one name that stays when a store rebuilt from bundles numbers its runs otherwise.

/** Id or uid; undefined for anything else (a label). */
function byIdOrUid(store: Store, ref: number | string): number | undefined {
  if (typeof ref === 'number') return ref;
  return /^\d+$/.test(ref) ? Number(ref) : runIdByUid(store, ref);
}

const completedLabels = (store: Store) => [
  ...new Set(
    listRuns(store).flatMap((r) => (r.status === 'completed' && r.label ? [r.label] : [])),
  ),
];

/** A run to learn from: a label names the latest completed run carrying it. */
export function resolveRun(store: Store, ref: number | string): RunInfo {
  const id = byIdOrUid(store, ref);
  if (id !== undefined) return getRun(store, id);
  const byLabel = listRuns(store).filter((r) => r.label === ref && r.status === 'completed');
  if (byLabel.length === 0)
    throw new NotFoundError(`completed run labelled '${ref}'`, completedLabels(store));
  return byLabel[byLabel.length - 1];
}

/**
 * A run to look at, finished or not: a label names the latest completed run carrying it, or
 * else the one run carrying it (several unfinished ones are ambiguous).
 */
export function findRun(store: Store, ref: number | string): RunInfo {
  const id = byIdOrUid(store, ref);
  if (id !== undefined) return getRun(store, id);
  const labelled = listRuns(store).filter((r) => r.label === ref);
  const completed = labelled.filter((r) => r.status === 'completed');
  if (completed.length > 0) return completed[completed.length - 1];
  if (labelled.length === 1) return labelled[0];
  if (labelled.length === 0)
    throw new NotFoundError(`run labelled '${ref}'`, [
      ...new Set(listRuns(store).flatMap((r) => (r.label ? [r.label] : []))),
    ]);
  throw new InputError(
    `'${ref}' labels runs ${labelled.map((r) => `#${r.id}`).join(', ')}, none completed: name one by its id`,
  );
}
