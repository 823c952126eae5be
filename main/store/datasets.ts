import { join } from 'node:path';
import type { Dataset, FilterOptions } from '../data/dataset';
import type { DatasetStats } from '../data/stats';
import { InputError, NotFoundError } from '../errors';
import { readArrayFile } from './array-file';
import { findArtifact, saveArrays } from './artifacts';
import { now, type Store } from './db';

export interface DatasetRow {
  id: number;
  name: string;
  source: string;
  format: string;
  minUser: number;
  minItem: number;
  stats: DatasetStats;
  createdAt: string;
}

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

const toRow = (r: DbRow): DatasetRow => ({
  id: r.id,
  name: r.name,
  source: r.source,
  format: r.format,
  minUser: r.min_user,
  minItem: r.min_item,
  stats: JSON.parse(r.stats_json) as DatasetStats,
  createdAt: r.created_at,
});

export const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Inserts the dataset row and its interaction file in one transaction: all or nothing. */
export function insertDataset(
  store: Store,
  input: {
    name: string;
    source: string;
    format: string;
    filter: FilterOptions;
    dataset: Dataset;
    stats: DatasetStats;
  },
): DatasetRow {
  if (!DATASET_NAME.test(input.name)) {
    throw new InputError(
      `invalid dataset name '${input.name}': use letters, digits, '.', '_' or '-' (max 64)`,
    );
  }
  const { dataset: d } = input;
  const insert = store.db.transaction(() => {
    if (store.db.prepare('SELECT 1 FROM datasets WHERE name = ?').get(input.name)) {
      throw new InputError(`dataset '${input.name}' already exists`);
    }
    const info = store.db
      .prepare(
        `INSERT INTO datasets (name, source, format, min_user, min_item, n_users, n_items,
           n_interactions, stats_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        input.name,
        input.source,
        input.format,
        input.filter.minUser,
        input.filter.minItem,
        d.nUsers,
        d.nItems,
        d.items.length,
        JSON.stringify(input.stats),
        now(),
      );
    const id = Number(info.lastInsertRowid);
    saveArrays(
      store,
      { datasetId: id },
      'interactions',
      join('datasets', `${id}`, 'interactions.hkda'),
      {
        userPtr: d.userPtr,
        items: d.items,
        rawUserIds: d.rawUserIds,
        rawItemIds: d.rawItemIds,
      },
    );
    return id;
  });
  return getDatasetById(store, insert());
}

export function getDatasetById(store: Store, id: number): DatasetRow {
  const r = store.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DbRow | undefined;
  if (!r) throw new NotFoundError(`dataset #${id}`);
  return toRow(r);
}

export function getDataset(store: Store, name: string): DatasetRow {
  const r = store.db.prepare('SELECT * FROM datasets WHERE name = ?').get(name) as
    DbRow | undefined;
  if (!r) throw new NotFoundError(`dataset '${name}'`);
  return toRow(r);
}

export function listDatasets(store: Store): DatasetRow[] {
  return (store.db.prepare('SELECT * FROM datasets ORDER BY id').all() as DbRow[]).map(toRow);
}

export function loadDataset(store: Store, row: DatasetRow): Dataset {
  const a = findArtifact(store, { datasetId: row.id }, 'interactions');
  if (!a) throw new NotFoundError(`interaction file of dataset '${row.name}'`);
  const f = readArrayFile(join(store.home, a.path));
  return {
    nUsers: row.stats.users,
    nItems: row.stats.items,
    userPtr: f.get('userPtr'),
    items: f.get('items'),
    rawUserIds: f.get('rawUserIds'),
    rawItemIds: f.get('rawItemIds'),
  };
}
