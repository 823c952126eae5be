import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_FILTER, filterAndRemap, type Dataset, type FilterOptions } from '../data/dataset';
import { readLines, type OnBytes } from '../data/read-lines';
import { detectFormat, readInteractions } from '../data/read-interactions';
import {
  BUNDLED_DATASETS,
  BUNDLED_NAMES,
  type BundledDataset,
  type DatasetInfo,
  type Format,
} from '../contract';
import type { RawInteractions } from '../data/raw';
import { datasetStats } from '../data/stats';
import { DEFAULT_SYNTH, synthesize, type OnFraction } from '../data/synth';
import { InputError, NotFoundError } from '../errors';
import type { Store } from '../store/db';
import { checkDatasetName, insertDataset, listDatasets, type DatasetMeta } from '../store/datasets';

export interface ImportRequest {
  file: string;
  name: string;
  format?: Format;
  minUser?: number;
  minItem?: number;
  /** CSV/TSV: the user and item columns, by header name or 1-based position. */
  userCol?: string;
  itemCol?: string;
  /** How the user knows the file (an upload's own name): recorded as the source. */
  shownAs?: string;
}

function checkFilter(f: FilterOptions): FilterOptions {
  for (const [k, v] of Object.entries(f)) {
    if (!Number.isInteger(v) || v < 0) throw new InputError(`${k} must be a non-negative integer`);
  }
  return f;
}

/** Statistics of the filtered dataset, with the reader's warnings about the file. */
function statsOf(dataset: Dataset, raw: RawInteractions) {
  return { ...datasetStats(dataset), ...(raw.warnings.length ? { warnings: raw.warnings } : {}) };
}

/** A parsed and filtered file, ready to store (or to preview). */
export interface PreparedImport {
  meta: DatasetMeta;
  dataset: Dataset;
}

/** Parses and filters a dataset file without touching the store. */
export async function prepareImport(
  req: ImportRequest,
  onBytes?: OnBytes,
): Promise<PreparedImport> {
  const filter = checkFilter({
    minUser: req.minUser ?? DEFAULT_FILTER.minUser,
    minItem: req.minItem ?? DEFAULT_FILTER.minItem,
  });
  const file = resolve(req.file);
  const { raw, format } = await readInteractions(file, req.format ?? 'auto', onBytes, {
    userCol: req.userCol,
    itemCol: req.itemCol,
  });
  try {
    const dataset = filterAndRemap(raw, filter);
    const source = req.shownAs ?? file;
    const meta = { name: req.name, source, format, filter, stats: statsOf(dataset, raw) };
    return { meta, dataset };
  } catch (e) {
    // Filtering errors concern the file as a whole; name it.
    if (e instanceof InputError && e.file === undefined) throw new InputError(e.reason, file);
    throw e;
  }
}

/**
 * Parses, filters and stores a dataset file; the store is untouched unless all of it succeeds.
 * The store is opened only once the file has been read, so a bad file leaves no new home behind.
 */
export async function importDataset(
  openStore: () => Store,
  req: ImportRequest,
): Promise<DatasetInfo> {
  const { meta, dataset } = await prepareImport(req);
  return insertDataset(openStore(), { ...meta, dataset });
}

export interface SynthRequest {
  name: string;
  users?: number;
  items?: number;
  seed?: number;
}

/** Generates a synthetic dataset without touching the store (a job runs it in a worker). */
export function prepareSynth(req: SynthRequest, onFraction?: OnFraction): PreparedImport {
  const opts = {
    users: req.users ?? DEFAULT_SYNTH.users,
    items: req.items ?? DEFAULT_SYNTH.items,
    seed: req.seed ?? DEFAULT_SYNTH.seed,
  };
  const raw = synthesize(opts, onFraction);
  const dataset = filterAndRemap(raw, DEFAULT_FILTER);
  const meta = {
    name: req.name,
    source: `synthetic:${JSON.stringify(opts)}`,
    format: 'synthetic',
    filter: DEFAULT_FILTER,
    stats: statsOf(dataset, raw),
  };
  return { meta, dataset };
}

export function synthDataset(s: Store, req: SynthRequest): DatasetInfo {
  checkDatasetName(s, req.name);
  const { meta, dataset } = prepareSynth(req);
  return insertDataset(s, { ...meta, dataset });
}

export const DEMO_DATASET = 'demo';

/** Every fresh home gets the seeded synthetic demo dataset, so there is something to train on. */
export function ensureDemoDataset(s: Store): { row: DatasetInfo; created: boolean } {
  const existing = listDatasets(s).find((d) => d.name === DEMO_DATASET);
  if (existing) return { row: existing, created: false };
  return { row: synthDataset(s, { name: DEMO_DATASET }), created: true };
}

/** Where the repository's shipped datasets are: two folders up from this module and its bundle. */
const BUNDLED_DIR = resolve(__dirname, '..', '..', 'datasets');

/** The shipped datasets present in this install. */
export const bundledDatasets = (): BundledDataset[] =>
  BUNDLED_NAMES.filter((n) => existsSync(join(BUNDLED_DIR, BUNDLED_DATASETS[n].file)));

/** What importing a shipped dataset takes: its file, format and the paper's ≥ 5 rule. */
export function bundledImport(name: BundledDataset) {
  const d = BUNDLED_DATASETS[name];
  const file = join(BUNDLED_DIR, d.file);
  if (!existsSync(file)) throw new NotFoundError(`the shipped dataset file ${file}`);
  return { file, name, format: d.format, minUser: 5, minItem: 0 };
}

/** The first lines of a file and its detected format, for the import form. */
export async function peekFile(
  file: string,
  count: number,
): Promise<{ format: string; lines: string[] }> {
  const lines: string[] = [];
  for await (const [, line] of readLines(file)) {
    lines.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
    if (lines.length >= count) break;
  }
  let format: string;
  try {
    format = await detectFormat(file);
  } catch {
    format = 'unknown';
  }
  return { format, lines };
}
