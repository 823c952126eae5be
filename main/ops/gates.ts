import { join } from 'node:path';
import { InputError, NotFoundError } from '../errors';
import { readArrayFile, readArrayHeader, readArrayRows } from '../store/array-file';
import { findArtifact } from '../store/artifacts';
import type { Store } from '../store/db';
import { getRun } from '../store/runs';

/** Path of a run's gate-weight file; a clear error for runs without one. */
export function gatesFile(store: Store, runId: number): string {
  const run = getRun(store, runId);
  const a = findArtifact(store, { runId }, 'gates');
  if (!a)
    throw new InputError(
      `run #${run.id} has no gate weights (only completed HyperKDMA runs with a gate do, and a bundle exported with --no-gates leaves them out)`,
    );
  return join(store.home, a.path);
}

/** One entity's TA weights and TA-embedding norms, read without loading the rest. */
export function entityGates(store: Store, runId: number, kind: 'user' | 'item', id: number) {
  const path = gatesFile(store, runId);
  const header = readArrayHeader(path);
  const n = header.arrays[kind === 'user' ? 'userGates' : 'itemGates'].shape[0];
  if (!Number.isInteger(id) || id < 0 || id >= n)
    throw new NotFoundError(`${kind} ${id} of run #${runId}`);
  return {
    weights: Array.from(readArrayRows(path, kind === 'user' ? 'userGates' : 'itemGates', id)),
    taNorms: Array.from(readArrayRows(path, kind === 'user' ? 'userTaNorms' : 'itemTaNorms', id)),
    taDims: header.meta.taDims as number[],
  };
}

/** `kind,id,w1..wm` rows (CSV) or `{runId, taDims, rows}` (JSON). */
export function exportGates(
  store: Store,
  runId: number,
  format: 'csv' | 'json',
  only?: 'users' | 'items',
): string {
  const f = readArrayFile(gatesFile(store, runId));
  const taDims = f.meta.taDims as number[];
  const m = taDims.length;
  const rows: { kind: 'user' | 'item'; id: number; w: number[] }[] = [];
  for (const [kind, name] of [
    ['user', 'userGates'],
    ['item', 'itemGates'],
  ] as const) {
    if (only && only !== `${kind}s`) continue;
    const g = f.get<Float32Array>(name);
    for (let e = 0; e < g.length / m; e++)
      rows.push({ kind, id: e, w: Array.from(g.subarray(e * m, (e + 1) * m)) });
  }
  if (format === 'json') return `${JSON.stringify({ runId, taDims, rows })}\n`;
  const header = ['kind', 'id', ...taDims.map((_, i) => `w${i + 1}`)].join(',');
  return `${[header, ...rows.map((r) => [r.kind, r.id, ...r.w].join(','))].join('\n')}\n`;
}
