import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { writeArrayFile, type NamedArray, type TypedArray } from './array-file';

// A run's and a dataset's files under the store's home, written without the database: trainer
// processes write them and the store's owner records them (artifacts.ts).

/** An artifact file written to its place under the store's home, not yet recorded. */
export interface ArtifactFile {
  kind: string;
  /** Relative to the store's home. */
  path: string;
  bytes: number;
  sha256: string;
}

/**
 * Writes an array file (temp + rename, so its name never holds half a file) without touching the
 * database: a trainer process writes its files, and the process owning the store records them.
 */
export function writeArtifact(
  home: string,
  kind: string,
  rel: string,
  arrays: Record<string, NamedArray | TypedArray>,
  meta: Record<string, unknown> = {},
  opts: { hash?: boolean } = {},
): ArtifactFile {
  const abs = join(home, rel);
  mkdirSync(dirname(abs), { recursive: true });
  const { bytes, sha256 } = writeArrayFile(abs, arrays, meta, opts);
  return { kind, path: relative(home, abs), bytes, sha256 };
}

export function removeFiles(paths: (string | undefined)[]): void {
  for (const p of paths) if (p) rmSync(p, { force: true });
}
