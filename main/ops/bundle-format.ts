import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { DatasetInfo } from '../contract';
import { InputError, NotFoundError } from '../errors';
import { findArtifact } from '../store/artifacts';
import type { Store } from '../store/db';

// A run bundle: finished runs with everything needed to read them in another home — and, unless
// their embeddings were left out, to distil from them there; or an unfinished run at its last
// checkpoint, to go on training there — as one gzipped tar: `bundle.json` and the runs' files.
// Runs are named by their portable uid, so importing links a student to a teacher already there
// and importing a bundle twice adds nothing. A bundle is only read into a
// home whose dataset is the same file (its SHA-256), the dataset it was trained on.
//
// This file is the format: `bundle.json`'s schema and what both directions check.

export const FORMAT = 'hkd-run-bundle';
export const VERSION = 1;

const FileSchema = z.object({
  kind: z.string().regex(/^[a-z-]+$/),
  name: z.string().regex(/^[A-Za-z0-9._-]+$/),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export type BundleFile = z.infer<typeof FileSchema>;

const RunSchema = z.object({
  uid: z.string().min(8).max(64),
  label: z.string().nullable(),
  kind: z.enum(['train', 'distill']),
  model: z.string(),
  method: z.string().nullable(),
  seed: z.number().int(),
  teacher: z.string().nullable(),
  /** The run it continues if it is a branch: linked on import when the home or bundle has it. */
  branchOf: z.string().nullable().optional(),
  dependsOn: z.array(z.string()),
  config: z.record(z.string(), z.unknown()),
  /** `interrupted`: an unfinished run, its epochs and checkpoint as of that checkpoint. */
  status: z.enum(['completed', 'cancelled', 'interrupted']),
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
  /**
   * The split its test ranks are on: not carried (10 MB at CiteULike's size) but rebuilt on
   * import from the seed, and linked only if the rebuilt file is this one — so paired tests with
   * the home's own runs stay sound. Absent in bundles written before it.
   */
  split: z
    .object({
      seed: z.number().int(),
      candidates: z.number().int().min(1),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    })
    .optional(),
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
export type Manifest = z.infer<typeof ManifestSchema>;

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The dataset's identity: the SHA-256 of its interaction file. */
export function datasetFingerprint(store: Store, d: DatasetInfo): string {
  const a = findArtifact(store, { datasetId: d.id }, 'interactions');
  if (!a) throw new NotFoundError(`interaction file of dataset '${d.name}'`);
  return a.sha256 || sha256(join(store.home, a.path));
}

/** A distillation's configuration with the runs it names given by uid (and back on import). */
export function mapSources(
  config: Record<string, unknown>,
  map: (ref: number | string) => number | string,
): Record<string, unknown> {
  const out = { ...config };
  if (out.teacher !== undefined) out.teacher = map(out.teacher as number | string);
  for (const k of ['guideRuns', 'pretrainedTaRuns'])
    if (Array.isArray(out[k])) out[k] = (out[k] as (number | string)[]).map(map);
  return out;
}

/** The manifest of an extracted bundle, or why `file` is not one this version reads. */
export function readManifest(stage: string, file: string): Manifest {
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

/** A file the manifest lists, there and intact. */
export function checkFile(path: string, f: BundleFile, bundle: string): void {
  if (!existsSync(path)) throw new InputError(`${bundle} lacks ${f.name}, which it lists`);
  if (sha256(path) !== f.sha256)
    throw new InputError(`${bundle}: ${f.name} is damaged (its SHA-256 does not match)`);
}
