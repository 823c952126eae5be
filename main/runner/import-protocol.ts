import type { ImportRequest, SynthRequest } from '../ops/datasets';
import type { DatasetMeta } from '../store/datasets';
import type { ArtifactFile } from '../store/artifact-file';

/**
 * Owner → importer: a file to import or a synthetic dataset to generate, and where its
 * interaction file goes (absent: a preview only).
 */
export interface ImportTask {
  home: string;
  source: { kind: 'file'; request: ImportRequest } | { kind: 'synth'; request: SynthRequest };
  /** Folder for the interaction file, relative to home. */
  dir?: string;
}

export type ToImporter = { type: 'task'; task: ImportTask };

export type FromImporter =
  | { type: 'progress'; fraction: number }
  | { type: 'prepared'; meta: DatasetMeta; file?: ArtifactFile }
  | { type: 'error'; message: string; userError: boolean };
