import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Dataset, FilterOptions } from '../data/dataset';
import { DATASET_NAME, DATASET_NAME_RULE, type DatasetInfo, type DatasetStats } from '../contract';
import { InputError, NotFoundError } from '../errors';
import type { ArtifactFile } from './artifact-file';
import { findArtifact, recordArtifact } from './artifacts';
import { readDatasetFile, writeInteractions } from './dataset-file';
import { now, type Store } from './db';

interface DbRow {
  id: number;
  name: string;
  source: string;
  format: string;
  min_user: number;
  min_item: number;
  stats_json: string;
  created_at: string;
}

const toRow = (r: DbRow): DatasetInfo => ({
  id: r.id,
  name: r.name,
  source: r.source,
  format: r.format,
  minUser: r.min_user,
  minItem: r.min_item,
  stats: JSON.parse(r.stats_json) as DatasetStats,
  createdAt: r.created_at,
});

/** What a dataset row holds besides its interaction file. */
export interface DatasetMeta {
  name: string;
  source: string;
  format: string;
  filter: FilterOptions;
  stats: DatasetStats;
}

export function checkDatasetName(store: Store, name: string): void {
  if (!DATASET_NAME.test(name)) {
    throw new InputError(`invalid dataset name '${name}': use ${DATASET_NAME_RULE}`);
  }
  if (store.db.prepare('SELECT 1 FROM datasets WHERE name = ?').get(name)) {
    throw new InputError(`dataset '${name}' already exists`);
  }
}

/** A fresh folder name for a dataset's files. */
export const newDatasetDir = (): string => join('datasets', randomUUID());

/**
 * Records a dataset whose interaction file is written, in one transaction; if that fails (the
 * name was taken meanwhile), the file is removed and the store is as it was.
 */
export function recordDataset(store: Store, meta: DatasetMeta, file: ArtifactFile): DatasetInfo {
  try {
    const id = store.write(() => {
      checkDatasetName(store, meta.name);
      const info = store.db
        .prepare(
          `INSERT INTO datasets (name, source, format, min_user, min_item, n_users, n_items,
             n_interactions, stats_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          meta.name,
          meta.source,
          meta.format,
          meta.filter.minUser,
          meta.filter.minItem,
          meta.stats.users,
          meta.stats.items,
          meta.stats.interactions,
          JSON.stringify(meta.stats),
          now(),
        );
      const datasetId = Number(info.lastInsertRowid);
      recordArtifact(store, { datasetId }, file);
      return datasetId;
    });
    return getDatasetById(store, id);
  } catch (e) {
    rmSync(dirname(join(store.home, file.path)), { recursive: true, force: true });
    throw e;
  }
}

/** Inserts the dataset row and its interaction file: all or nothing. */
export function insertDataset(
  store: Store,
  input: DatasetMeta & { dataset: Dataset },
): DatasetInfo {
  const { dataset, ...meta } = input;
  checkDatasetName(store, meta.name);
  return recordDataset(store, meta, writeInteractions(store.home, newDatasetDir(), dataset));
}

/**
 * Refuses a run whose split cannot be built: every user needs `candidates` items it never
 * interacted with (METHOD.md §1.3), so a small catalogue allows fewer.
 */
export function checkCandidatesFit(row: DatasetInfo, candidates: number): void {
  const fit = row.stats.items - row.stats.userDegree.max;
  if (fit < candidates)
    throw new InputError(
      `dataset '${row.name}' has ${row.stats.items} items and a user with ${row.stats.userDegree.max} of them, ` +
        `so at most ${Math.max(fit, 0)} unobserved candidates fit, not ${candidates}` +
        (fit >= 1 ? `: pass --candidates ${fit} (or fewer)` : ''),
    );
}

export function getDatasetById(store: Store, id: number): DatasetInfo {
  const r = store.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DbRow | undefined;
  if (!r) throw new NotFoundError(`dataset #${id}`);
  return toRow(r);
}

export function getDataset(store: Store, name: string): DatasetInfo {
  const r = store.db.prepare('SELECT * FROM datasets WHERE name = ?').get(name) as
    DbRow | undefined;
  if (!r)
    throw new NotFoundError(
      `dataset '${name}'`,
      listDatasets(store).map((d) => d.name),
    );
  return toRow(r);
}

export function listDatasets(store: Store): DatasetInfo[] {
  return (store.db.prepare('SELECT * FROM datasets ORDER BY id').all() as DbRow[]).map(toRow);
}

export function loadDataset(store: Store, row: DatasetInfo): Dataset {
  return readDatasetFile(store.home, datasetFile(store, row), row.stats);
}

/** Where a dataset's interaction file is, relative to the store's home. */
export function datasetFile(store: Store, row: DatasetInfo): string {
  const a = findArtifact(store, { datasetId: row.id }, 'interactions');
  if (!a) throw new NotFoundError(`interaction file of dataset '${row.name}'`);
  return a.path;
}

/**
 * Deletes a dataset no run uses, with its splits and their files; a dataset with runs is refused
 * (they need it to be resumed, extended or inspected), naming them.
 */
export function deleteDataset(store: Store, name: string): void {
  const row = getDataset(store, name);
  const interactions = datasetFile(store, row);
  const splitFiles = store.write(() => {
    const runs = store.db
      .prepare('SELECT id FROM runs WHERE dataset_id = ? ORDER BY id')
      .all(row.id) as { id: number }[];
    if (runs.length > 0) {
      const ids = runs.slice(0, 8).map((r) => `#${r.id}`);
      throw new InputError(
        `dataset '${name}' has ${runs.length} run(s) (${ids.join(', ')}${runs.length > 8 ? ', …' : ''}): delete them first`,
      );
    }
    const files = store.db
      .prepare(
        'SELECT path FROM artifacts WHERE split_id IN (SELECT id FROM splits WHERE dataset_id = ?)',
      )
      .all(row.id) as { path: string }[];
    store.db.prepare('DELETE FROM datasets WHERE id = ?').run(row.id);
    return files.map((f) => f.path);
  });
  // The rows go first, the files after: a crash in between leaves stray files, never a row
  // without its file. The interaction file has a folder of its own; splits share theirs.
  for (const p of splitFiles) rmSync(join(store.home, p), { force: true });
  const folder = dirname(interactions);
  if (folder.startsWith('datasets'))
    rmSync(join(store.home, folder), { recursive: true, force: true });
  else rmSync(join(store.home, interactions), { force: true });
}
