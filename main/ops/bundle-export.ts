import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as tar from 'tar';
import { isUnfinished, type RunInfo } from '../contract';
import { InputError } from '../errors';
import { findArtifact, listArtifacts } from '../store/artifacts';
import { checkpointHeader } from '../store/checkpoint-file';
import type { Store } from '../store/db';
import { datasetFile, getDataset, getDatasetById } from '../store/datasets';
import { dependenciesOf } from '../store/queue';
import { uidOfRun } from '../store/run-import';
import { getEpochs, getRun } from '../store/runs';
import { splitRecord } from '../store/splits';
import { APP_VERSION } from '../version';
import {
  datasetFingerprint,
  FORMAT,
  mapSources,
  sha256,
  VERSION,
  type BundleFile,
  type Manifest,
} from './bundle-format';
import { resolveRun } from './run-ref';
import { sourcesOf } from './run-sources';

// Writing a run bundle (the format: bundle-format.ts).

/** Files a run keeps that a bundle carries unless told otherwise; `checkpoints` adds the rest. */
const RESULT_KINDS = ['embeddings', 'ranks', 'gates'];
const CHECKPOINT_KINDS = ['checkpoint', 'resume'];

/** The runs a run is built from: those it learns from, and any other it waits for. */
const builtFrom = (store: Store, r: RunInfo): number[] => [
  ...new Set([...sourcesOf(r), ...dependenciesOf(store, r.id).map((d) => d.id)]),
];

/** `runs` and every run they are built from, sources first. */
function withSources(store: Store, runs: RunInfo[]): RunInfo[] {
  const out = new Map<number, RunInfo>();
  const visit = (r: RunInfo, path: number[]) => {
    if (out.has(r.id)) return;
    for (const id of builtFrom(store, r)) {
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

/**
 * Copies run `r`'s last checkpoint with `copy`; where it stands. A running run's trainer may
 * replace the file meanwhile (it writes the next one, then deletes this): then the newer is taken.
 */
function stageCheckpoint(
  store: Store,
  r: RunInfo,
  stage: string,
  copy: (src: string, rel: string) => BundleFile,
): { file: BundleFile; at: ReturnType<typeof checkpointHeader> } {
  for (let attempt = 0; ; attempt++) {
    const a = findArtifact(store, { runId: r.id }, 'resume');
    if (!a)
      throw new InputError(
        `run #${r.id} is ${r.status} and has no checkpoint yet: export it after its first epoch`,
      );
    const rel = join('runs', r.uid, basename(a.path));
    try {
      const file = copy(a.path, rel);
      return { file, at: checkpointHeader(stage, rel) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw e;
    }
  }
}

export interface ExportOptions {
  /**
   * Also the named runs' training states (best and resume checkpoints): large, needed to extend a
   * run. A named run still training or interrupted is then exported too, as of its last checkpoint.
   */
  checkpoints?: boolean;
  /**
   * The representation tables (default: carried). Without them a bundle is small — the results,
   * per-user ranks and TA weights: enough to compare and test, not to distil from or cluster.
   */
  embeddings?: boolean;
  /** The per-user and per-item TA weights of HyperKDMA runs (default: carried; ~0.5 MB a run at m = 2 on CiteULike). */
  gates?: boolean;
  /**
   * Also the dataset's interaction file, so a home without it can import the runs; a name
   * exports that dataset (with no run, or runs of it).
   */
  dataset?: boolean | string;
}

/**
 * Writes finished runs (and every run they are built from) as a bundle at `out`, or with
 * `checkpoints` unfinished ones at their last checkpoint. Returns the runs it holds.
 */
export function exportBundle(
  store: Store,
  refs: (number | string)[],
  out: string,
  opts: ExportOptions = {},
): { runs: number[]; bytes: number } {
  if (refs.length === 0 && opts.dataset === undefined)
    throw new InputError('name at least one run to export');
  const namedRuns = refs.map((ref) => resolveRun(store, ref));
  const named = new Set(namedRuns.map((r) => r.id));
  const runs = withSources(store, namedRuns);
  for (const r of runs) {
    if (!isUnfinished(r.status)) continue;
    if (!named.has(r.id))
      throw new InputError(
        `run #${r.id} is ${r.status}: a run built from it can be exported once it has finished`,
      );
    if (!opts.checkpoints)
      throw new InputError(
        `run #${r.id} is ${r.status}: only finished runs can be exported, or an unfinished one with --checkpoints (at its last checkpoint, to go on training elsewhere)`,
      );
    if (r.status !== 'running' && r.status !== 'interrupted')
      throw new InputError(
        `run #${r.id} is ${r.status}: an unfinished run is exported while it trains or once interrupted`,
      );
  }
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
    const kinds = new Set(RESULT_KINDS);
    if (opts.embeddings === false) kinds.delete('embeddings');
    if (opts.gates === false) kinds.delete('gates');
    // Training states only of the runs named: a teacher's is large, and not needed to extend or
    // resume its students.
    const kindsOf = (r: RunInfo) =>
      opts.checkpoints && named.has(r.id) ? new Set([...kinds, ...CHECKPOINT_KINDS]) : kinds;
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
    const record = (r: RunInfo) => ({
      uid: r.uid,
      label: r.label,
      kind: r.kind,
      model: r.model,
      method: r.method,
      seed: r.seed,
      teacher: r.teacherRunId === null ? null : uidOf.get(r.teacherRunId)!,
      branchOf: r.branchOf === null ? null : (uidOfRun(store, r.branchOf) ?? null),
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
      split: r.splitId === null ? undefined : splitRecord(store, r.splitId),
    });
    const files = (r: RunInfo) =>
      listArtifacts(store, r.id)
        .filter((a) => kindsOf(r).has(a.kind))
        .map((a) => stageFile(a.path, join('runs', r.uid, basename(a.path)), a.kind));
    /**
     * An unfinished run as of its last checkpoint: that file and the epochs it covers (where it
     * resumes, the later ones are trained again, to the same records).
     */
    const atCheckpoint = (r: RunInfo) => {
      const { file, at } = stageCheckpoint(store, r, stage, (src, rel) =>
        stageFile(src, rel, 'resume'),
      );
      return {
        ...record(r),
        status: 'interrupted' as const,
        finishedAt: null,
        bestEpoch: at.bestEpoch,
        summary: null,
        trainSecondsPerEpoch: null,
        evalSecondsPerEpoch: null,
        epochs: getEpochs(store, r.id).slice(0, at.epochsDone),
        files: [file],
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
      runs: runs.map((r) =>
        isUnfinished(r.status) ? atCheckpoint(r) : { ...record(r), files: files(r) },
      ),
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
