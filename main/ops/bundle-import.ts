import { mkdirSync, mkdtempSync, renameSync, rmSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tar from 'tar';
import type { DatasetInfo } from '../contract';
import { InputError, NotFoundError } from '../errors';
import { recordArtifact } from '../store/artifacts';
import type { Store } from '../store/db';
import { checkDatasetName, listDatasets, newDatasetDir, recordDataset } from '../store/datasets';
import { addDependencies } from '../store/queue';
import { linkBranch } from '../store/run-branch';
import { insertImportedRun, runIdByUid } from '../store/run-import';
import { pendingReplays } from '../store/run-replay';
import { getRun } from '../store/runs';
import {
  checkFile,
  datasetFingerprint,
  mapSources,
  readManifest,
  type Manifest,
} from './bundle-format';
import { sourcesOf } from './run-sources';
import { linkedSplit, linkSplits } from './bundle-splits';

// Reading a run bundle into this home (the format: bundle-format.ts).

/** The bundle's dataset in this home (by fingerprint), or created from the file it carries. */
function datasetFor(store: Store, m: Manifest, stage: string, file: string): DatasetInfo {
  const want = m.dataset;
  const here = listDatasets(store);
  const same = here.find((d) => datasetFingerprint(store, d) === want.fingerprint);
  if (same) return same;
  const named = here.find((d) => d.name === want.name);
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

export interface ImportResult {
  dataset: string;
  /**
   * Every run of the bundle: its id here, whether it was added now (or already here), and
   * whether it is linked to its split here (else it cannot join a paired test).
   */
  runs: {
    uid: string;
    id: number;
    added: boolean;
    paired: boolean;
    /** An unfinished run added now: the epochs it has, from which it resumes. */
    resumesAfter?: number;
  }[];
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
    const splits = linkSplits(
      store,
      ds,
      fresh.flatMap((r) => (r.split ? [r.split] : [])),
    );
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
          splitId: linkedSplit(splits, r.split),
          teacherRunId: r.teacher === null ? null : ref(r.teacher),
          config: mapSources(r.config, ref),
          summary: r.summary as never,
          epochs: r.epochs as never,
        });
        known.set(r.uid, id);
        added.add(r.uid);
        addDependencies(store, id, r.dependsOn.map(ref));
        // An unfinished run goes on once the runs it learns from have their representations here.
        if (r.status === 'interrupted')
          addDependencies(
            store,
            id,
            pendingReplays(
              store,
              sourcesOf(getRun(store, id)).map((s) => getRun(store, s)),
            ),
          );
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
      // Branches after every run is in: a bundle may hold a branch before the run it continues.
      for (const r of fresh) {
        const source = r.branchOf && (known.get(r.branchOf) ?? runIdByUid(store, r.branchOf));
        if (source) linkBranch(store, known.get(r.uid)!, source);
      }
    });
    return {
      dataset: ds.name,
      runs: m.runs.map((r) => {
        const here = getRun(store, known.get(r.uid)!);
        return {
          uid: r.uid,
          id: here.id,
          added: added.has(r.uid),
          paired: here.splitId !== null,
          ...(added.has(r.uid) && here.status === 'interrupted'
            ? { resumesAfter: here.epochsRun }
            : {}),
        };
      }),
    };
  } catch (e) {
    // The transaction rolled back: the files moved for it go too.
    for (const p of placed) rmSync(p, { recursive: true, force: true });
    throw e;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
