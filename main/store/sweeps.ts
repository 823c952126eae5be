import { ZodError } from 'zod';
import { SweepSpecSchema, type SweepSpec } from '../contract/sweeps';
import { NotFoundError, StorageError } from '../errors';
import { now, type Store } from './db';

/** A sweep as stored: its definition, parsed once. */
export interface SweepRow {
  id: number;
  name: string;
  datasetId: number;
  /** null once the dataset is deleted (its sweeps go with it). */
  dataset: string | null;
  spec: SweepSpec;
  createdAt: string;
}

interface DbSweep {
  id: number;
  name: string;
  dataset_id: number;
  dataset_name: string | null;
  spec_json: string;
  created_at: string;
}

function toSweep(r: DbSweep): SweepRow {
  let spec: SweepSpec;
  try {
    spec = SweepSpecSchema.parse(JSON.parse(r.spec_json));
  } catch (e) {
    const why = e instanceof ZodError ? e.issues.map((i) => i.message).join('; ') : String(e);
    throw new StorageError(`sweep #${r.id} has a definition this version cannot read: ${why}`);
  }
  return {
    id: r.id,
    name: r.name,
    datasetId: r.dataset_id,
    dataset: r.dataset_name,
    spec,
    createdAt: r.created_at,
  };
}

const SELECT =
  'SELECT s.*, d.name AS dataset_name FROM sweeps s LEFT JOIN datasets d ON d.id = s.dataset_id';

export function insertSweep(store: Store, datasetId: number, spec: SweepSpec): SweepRow {
  const id = store.write(
    () =>
      store.db
        .prepare('INSERT INTO sweeps (name, dataset_id, spec_json, created_at) VALUES (?, ?, ?, ?)')
        .run(spec.name, datasetId, JSON.stringify(spec), now()).lastInsertRowid,
  );
  return getSweep(store, Number(id));
}

export function getSweep(store: Store, id: number): SweepRow {
  const r = store.db.prepare(`${SELECT} WHERE s.id = ?`).get(id) as DbSweep | undefined;
  if (!r) throw new NotFoundError(`sweep #${id}`);
  return toSweep(r);
}

export function listSweeps(store: Store): SweepRow[] {
  return (store.db.prepare(`${SELECT} ORDER BY s.id`).all() as DbSweep[]).map(toSweep);
}

/** Forgets a sweep's definition; its runs stay (they are ordinary runs). */
export function deleteSweep(store: Store, id: number): void {
  getSweep(store, id);
  store.write(() => store.db.prepare('DELETE FROM sweeps WHERE id = ?').run(id));
}
