import type { ImportRequest } from '../ops/datasets';
import type { DatasetMeta } from '../store/datasets';
import type { ArtifactFile } from '../store/artifacts';

/** Owner → importer: what to import, and where its file goes (absent: a preview only). */
export interface ImportTask {
  home: string;
  request: ImportRequest;
  /** Folder for the interaction file, relative to home. */
  dir?: string;
}

export type ToImporter = { type: 'task'; task: ImportTask };

export type FromImporter =
  | { type: 'progress'; fraction: number }
  | { type: 'prepared'; meta: DatasetMeta; file?: ArtifactFile }
  | { type: 'error'; message: string; userError: boolean };
