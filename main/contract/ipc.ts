// The desktop window's bridge: the channels between the app shell (main/entries/app.ts) and the
// preload, and the object the preload hands the page as `window.hkd`.
import type { ApiEvent, ApiResult, Op } from './operations';

export const IPC = {
  call: 'hkd:call',
  event: 'hkd:event',
  menu: 'hkd:menu',
  pickFile: 'hkd:pick-file',
  /** Preload → shell: a path the user really dropped on the window. */
  dropped: 'hkd:dropped',
  grantDropped: 'hkd:grant-dropped',
  saveFile: 'hkd:save-file',
  revealArtifact: 'hkd:reveal-artifact',
} as const;

/** A file the user chose, known to the core by an opaque id. */
export interface PickedFile {
  file: string;
  name: string;
  /** The folder it is in, where the face knows it (the desktop window): it may name the data. */
  folder?: string;
}

/** `window.hkd` in the desktop window. */
export interface ElectronBridge {
  shell: 'electron';
  call(op: Op, request: unknown): Promise<ApiResult<Op>>;
  subscribe(f: (e: ApiEvent) => void): () => void;
  onMenu(f: (what: string) => void): () => void;
  pickFile(): Promise<PickedFile | null>;
  grantDroppedFile(file: File): Promise<PickedFile | null>;
  saveFile(name: string, content: string): Promise<boolean>;
  /** Shows a run's artifact file in the system's file manager. */
  revealArtifact(runId: number, kind: string): Promise<boolean>;
}
