import { isUnfinished, type RunInfo } from '../contract';
import { InputError } from '../errors';
import { findArtifact, type ArtifactRow } from '../store/artifacts';
import type { Store } from '../store/db';

/** A run's representation tables, or why this home does not have them. */
export function embeddingsOf(store: Store, run: RunInfo): ArtifactRow {
  const a = findArtifact(store, { runId: run.id }, 'embeddings');
  if (a) return a;
  throw new InputError(
    isUnfinished(run.status)
      ? `run #${run.id} has no embeddings yet: it is ${run.status}`
      : `run #${run.id} has no embeddings in this home: it came from a bundle exported with --no-embeddings (results only); import one exported with them, or train them again with \`hkd runs replay ${run.id}\`, to distil from it or cluster its users`,
  );
}
