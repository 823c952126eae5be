import { join } from 'node:path';
import { findArtifact, recordArtifact, unrecordArtifact } from './artifacts';
import { removeFiles, type ArtifactFile } from './artifact-file';
import { checkpointHeader } from './checkpoint-file';
import type { Store } from './db';

// The run's current checkpoint as the store records it (the file itself: checkpoint-file.ts).

/** Makes a written checkpoint the run's current one and deletes the one it replaces. */
export function commitCheckpoint(store: Store, runId: number, file: ArtifactFile): void {
  const old = store.write(() => {
    const previous = unrecordArtifact(store, { runId }, 'resume');
    recordArtifact(store, { runId }, file);
    return previous;
  });
  if (old !== join(store.home, file.path)) removeFiles([old]);
}

/** Where a run's last checkpoint stands, read from its header alone. */
export function checkpointProgress(
  store: Store,
  runId: number,
): ReturnType<typeof checkpointHeader> | undefined {
  const a = findArtifact(store, { runId }, 'resume');
  return a ? checkpointHeader(store.home, a.path) : undefined;
}
