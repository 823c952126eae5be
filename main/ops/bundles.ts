import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as tar from 'tar';
import { z } from 'zod';
import { isUnfinished, type DatasetInfo, type RunInfo } from '../contract';
import { InputError, NotFoundError } from '../errors';
import { findArtifact, listArtifacts, recordArtifact } from '../store/artifacts';
import type { Store } from '../store/db';
import {
  checkDatasetName,
  datasetFile,
  getDataset,
  getDatasetById,
  listDatasets,
  newDatasetDir,
  recordDataset,
} from '../store/datasets';
import { addDependencies, dependenciesOf } from '../store/queue';
import { getEpochs, getRun, insertImportedRun, runIdByUid } from '../store/runs';
import { APP_VERSION } from '../version';
import { resolveRun } from './distill';

// A run bundle: finished runs with everything needed to read them in another home — and to
// distil from them there — as one gzipped tar: `bundle.json` and the runs' files. Runs are named
// by their portable uid, so importing links a student to a teacher already there and importing a
// bundle twice adds nothing. A bundle is only read into a home whose dataset is the same file
// (its SHA-256), the dataset it was trained on.

const FORMAT = 'hkd-run-bundle';
const VERSION = 1;
/** Files a run keeps that a bundle carries always; `checkpoints` adds the rest. */
const RESULT_KINDS = ['embeddings', 'ranks', 'gates'];
const CHECKPOINT_KINDS = ['checkpoint', 'resume'];

const FileSchema = z.object({
  kind: z.string().regex(/^[a-z-]+$/),
  name: z.string().regex(/^[A-Za-z0-9._-]+$/),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const RunSchema = z.object({
  uid: z.string().min(8).max(64),
  label: z.string().nullable(),
  kind: z.enum(['train', 'distill']),
  model: z.string(),
  method: z.string().nullable(),
  seed: z.number().int(),
  teacher: z.string().nullable(),
  dependsOn: z.array(z.string()),
  config: z.record(z.string(), z.unknown()),
  status: z.enum(['completed', 'cancelled']),
  backend: z.string().nullable(),
  device: z.string().nullable(),
  appVersion: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  bestEpoch: z.number().int().nullable(),
  summary: z.unknown(),
  trainSecondsPerEpoch: z.number().nullable(),
  evalSecondsPerEpoch: z.number().nullable(),
  epochs: z.array(z.unknown()),
  files: z.array(FileSchema),
});

const ManifestSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(VERSION),
  appVersion: z.string(),
  exportedAt: z.string(),
  dataset: z.object({
    name: z.string(),
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    source: z.string(),
    format: z.string(),
    minUser: z.number().int(),
    minItem: z.number().int(),
    stats: z.record(z.string(), z.unknown()),
    /** Carried when exported with the dataset. */
    file: FileSchema.optional(),
  }),
  /** Every run before the runs built from it. */
  runs: z.array(RunSchema),
});
type Manifest = z.infer<typeof ManifestSchema>;

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The dataset's identity: the SHA-256 of its interaction file. */
export function datasetFingerprint(store: Store, d: DatasetInfo): string {
  const a = findArtifact(store, { datasetId: d.id }, 'interactions');
  if (!a) throw new NotFoundError(`interaction file of dataset '${d.name}'`);
  return a.sha256 || sha256(join(store.home, a.path));
}

/** The runs a run is built from: its teacher, its guides, its pretrained TAs. */
function sourcesOf(store: Store, r: RunInfo): number[] {
  if (r.kind !== 'distill') return [];
  const ids = [
    r.config.teacher,
    ...(r.config.guideRuns ?? []),
    ...(r.config.pretrainedTaRuns ?? []),
  ];
  return [...new Set([...ids, ...dependenciesOf(store, r.id).map((d) => d.id)])];
}

/** `runs` and every run they are built from, sources first. */
function withSources(store: Store, runs: RunInfo[]): RunInfo[] {
  const out = new Map<number, RunInfo>();
  const visit = (r: RunInfo, path: number[]) => {
    if (out.has(r.id)) return;
    for (const id of sourcesOf(store, r)) {
      let src: RunInfo;
      try {
        src = getRun(store, id);
      } catch {
        throw new InputError(`run #${r.id} is built from run #${id}, which was deleted`);
      }
      if (!path.includes(id)) visit(src, [...path, id]);
    }
    out.set(r.id, r);
  };
  for (const r of runs) visit(r, [r.id]);
  return [...out.values()];
}

/** A distillation's configuration with the runs it names given by uid (and back on import). */
function mapSources(
  config: Record<string, unknown>,
  map: (ref: number | string) => number | string,
): Record<string, unknown> {
  const out = { ...config };
  if (out.teacher !== undefined) out.teacher = map(out.teacher as number | string);
  for (const k of ['guideRuns', 'pretrainedTaRuns'])
    if (Array.isArray(out[k])) out[k] = (out[k] as (number | string)[]).map(map);
  return out;
}

export interface ExportOptions {
  /** Also the training states (best and resume checkpoints): large, needed to extend a run. */
  checkpoints?: boolean;
  /**
   * Also the dataset's interaction file, so a home without it can import the runs; a name
   * exports that dataset (with no run, or runs of it).
   */
  dataset?: boolean | string;
}

/**
 * Writes finished runs (and every run they are built from) as a bundle at `out`. Returns the
 * runs it holds.
 */
export function exportBundle(
  store: Store,
  refs: (number | string)[],
  out: string,
  opts: ExportOptions = {},
): { runs: number[]; bytes: number } {
  if (refs.length === 0 && opts.dataset === undefined)
    throw new InputError('name at least one run to export');
  const runs = withSources(
    store,
    refs.map((ref) => resolveRun(store, ref)),
  );
  for (const r of runs)
    if (isUnfinished(r.status))
      throw new InputError(`run #${r.id} is ${r.status}: only finished runs can be exported`);
  const datasetIds = new Set(runs.map((r) => r.datasetId));
  if (datasetIds.size > 1) throw new InputError('a bundle holds runs of one dataset');
  const ds =
    typeof opts.dataset === 'string'
      ? getDataset(store, opts.dataset)
      : getDatasetById(store, runs[0].datasetId);
  if (runs.some((r) => r.datasetId !== ds.id))
    throw new InputError(`runs of another dataset than '${ds.name}' cannot join its bundle`);
  const uidOf = new Map(runs.map((r) => [r.id, r.uid]));
  const stage = mkdtempSync(join(tmpdir(), 'hkd-bundle-'));
  try {
    const kinds = new Set([...RESULT_KINDS, ...(opts.checkpoints ? CHECKPOINT_KINDS : [])]);
    const stageFile = (src: string, rel: string, kind: string) => {
      mkdirSync(dirname(join(stage, rel)), { recursive: true });
      copyFileSync(join(store.home, src), join(stage, rel));
      return {
        kind,
        name: basename(rel),
        bytes: statSync(join(stage, rel)).size,
        sha256: sha256(join(stage, rel)),
      };
    };
    const manifest: Manifest = {
      format: FORMAT,
      version: VERSION,
      appVersion: APP_VERSION,
      exportedAt: new Date().toISOString(),
      dataset: {
        name: ds.name,
        fingerprint: datasetFingerprint(store, ds),
        source: ds.source,
        format: ds.format,
        minUser: ds.minUser,
        minItem: ds.minItem,
        stats: { ...ds.stats },
        ...(opts.dataset
          ? { file: stageFile(datasetFile(store, ds), 'dataset/interactions.hkda', 'interactions') }
          : {}),
      },
      runs: runs.map((r) => ({
        uid: r.uid,
        label: r.label,
        kind: r.kind,
        model: r.model,
        method: r.method,
        seed: r.seed,
        teacher: r.teacherRunId === null ? null : uidOf.get(r.teacherRunId)!,
        dependsOn: dependenciesOf(store, r.id).map((d) => uidOf.get(d.id)!),
        config: mapSources(r.config, (id) => uidOf.get(Number(id))!),
        status: r.status as 'completed' | 'cancelled',
        backend: r.backend,
        device: r.device,
        appVersion: r.appVersion,
        createdAt: r.createdAt,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        bestEpoch: r.bestEpoch,
        summary: r.summary,
        trainSecondsPerEpoch: r.trainSecondsPerEpoch,
        evalSecondsPerEpoch: r.evalSecondsPerEpoch,
        epochs: getEpochs(store, r.id),
        files: listArtifacts(store, r.id)
          .filter((a) => kinds.has(a.kind))
          .map((a) => stageFile(a.path, join('runs', r.uid, basename(a.path)), a.kind)),
      })),
    };
    writeFileSync(join(stage, 'bundle.json'), JSON.stringify(manifest));
    const part = `${out}.part`;
    tar.create({ gzip: true, file: part, cwd: stage, sync: true, portable: true }, [
      'bundle.json',
      ...['runs', 'dataset'].filter((d) => existsSync(join(stage, d))),
    ]);
    renameSync(part, out);
    return { runs: runs.map((r) => r.id), bytes: statSync(out).size };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function readManifest(stage: string, file: string): Manifest {
  const path = join(stage, 'bundle.json');
  if (!existsSync(path)) throw new InputError(`${file} is not a run bundle: it has no bundle.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: bundle.json is not JSON (${(e as Error).message})`);
  }
  const r = ManifestSchema.safeParse(raw);
  if (!r.success)
    throw new InputError(
      `${file} is not a run bundle this version reads: ${r.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  return r.data;
}

/** The bundle's dataset in this home (by fingerprint), or created from the file it carries. */
function datasetFor(store: Store, m: Manifest, stage: string, file: string): DatasetInfo {
  const want = m.dataset;
  const same = listDatasets(store).find((d) => datasetFingerprint(store, d) === want.fingerprint);
  if (same) return same;
  const named = listDatasets(store).find((d) => d.name === want.name);
  if (named)
    throw new InputError(
      `${file} holds runs of dataset '${want.name}' with fingerprint ${want.fingerprint.slice(0, 12)}…, ` +
        `but this home's '${named.name}' is another file (${datasetFingerprint(store, named).slice(0, 12)}…): ` +
        'the runs were trained on other data',
    );
  if (!want.file)
    throw new InputError(
      `${file} holds runs of dataset '${want.name}' (fingerprint ${want.fingerprint.slice(0, 12)}…), which this home does not have: ` +
        `import the same file first (${want.source}, ${want.format}, min-user ${want.minUser}, min-item ${want.minItem}), or export the bundle with --with-dataset`,
    );
  checkDatasetName(store, want.name);
  const src = join(stage, 'dataset', want.file.name);
  checkFile(src, want.file, file);
  const rel = join(newDatasetDir(), 'interactions.hkda');
  mkdirSync(dirname(join(store.home, rel)), { recursive: true });
  renameSync(src, join(store.home, rel));
  return recordDataset(
    store,
    {
      name: want.name,
      source: want.source,
      format: want.format,
      filter: { minUser: want.minUser, minItem: want.minItem },
      stats: want.stats as unknown as DatasetInfo['stats'],
    },
    { kind: 'interactions', path: rel, bytes: want.file.bytes, sha256: want.file.sha256 },
  );
}

function checkFile(path: string, f: z.infer<typeof FileSchema>, bundle: string): void {
  if (!existsSync(path)) throw new InputError(`${bundle} lacks ${f.name}, which it lists`);
  if (sha256(path) !== f.sha256)
    throw new InputError(`${bundle}: ${f.name} is damaged (its SHA-256 does not match)`);
}

export interface ImportResult {
  dataset: string;
  /** Every run of the bundle: its id here, and whether it was added now (or already here). */
  runs: { uid: string; id: number; added: boolean }[];
}

/**
 * Reads a bundle into this home: runs already here (same uid) are linked, not doubled; a bundle
 * trained on another dataset file is refused. All or nothing: the store changes in one
 * transaction, after every file has been checked.
 */
export function importBundle(store: Store, file: string): ImportResult {
  if (!existsSync(file)) throw new NotFoundError(`bundle ${file}`);
  const stage = mkdtempSync(join(store.home, '.import-'));
  const placed: string[] = [];
  try {
    try {
      tar.extract({ file, cwd: stage, sync: true, strict: true });
    } catch (e) {
      throw new InputError(`${file} is not a run bundle (gzipped tar): ${(e as Error).message}`);
    }
    const m = readManifest(stage, file);
    const known = new Map<string, number>();
    const fresh = m.runs.filter((r) => {
      const id = runIdByUid(store, r.uid);
      if (id !== undefined) known.set(r.uid, id);
      return id === undefined;
    });
    for (const r of fresh)
      for (const f of r.files) checkFile(join(stage, 'runs', r.uid, f.name), f, file);
    const ds = datasetFor(store, m, stage, file);
    const added = new Set<string>();
    store.write(() => {
      for (const r of fresh) {
        const ref = (uid: number | string) => {
          const id = known.get(String(uid));
          if (id === undefined)
            throw new InputError(
              `${file}: run ${r.uid} is built from ${uid}, which it does not hold`,
            );
          return id;
        };
        const id = insertImportedRun(store, {
          ...r,
          datasetId: ds.id,
          teacherRunId: r.teacher === null ? null : ref(r.teacher),
          config: mapSources(r.config, ref),
          summary: r.summary as never,
          epochs: r.epochs as never,
        });
        known.set(r.uid, id);
        added.add(r.uid);
        addDependencies(store, id, r.dependsOn.map(ref));
        const dir = join('runs', String(id));
        mkdirSync(join(store.home, dir), { recursive: true });
        placed.push(join(store.home, dir));
        for (const f of r.files) {
          renameSync(join(stage, 'runs', r.uid, f.name), join(store.home, dir, f.name));
          recordArtifact(
            store,
            { runId: id },
            { kind: f.kind, path: join(dir, f.name), bytes: f.bytes, sha256: f.sha256 },
          );
        }
      }
    });
    return {
      dataset: ds.name,
      runs: m.runs.map((r) => ({ uid: r.uid, id: known.get(r.uid)!, added: added.has(r.uid) })),
    };
  } catch (e) {
    // The transaction rolled back: the files moved for it go too.
    for (const p of placed) rmSync(p, { recursive: true, force: true });
    throw e;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
