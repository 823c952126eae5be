import { join } from 'node:path';
import type { Dataset } from '../data/dataset';
import { buildSplit, type Split } from '../data/split';
import { readArrayFile } from './array-file';
import { writeArtifact, type ArtifactFile } from './artifact-file';

// A split's file: built and written by a trainer, read by any (recorded by the store's owner).

/** A split built and written by a trainer, for the store's owner to record. */
export interface NewSplit {
  datasetId: number;
  seed: number;
  nCandidates: number;
  nTrain: number;
  file: ArtifactFile;
}

/**
 * Builds the split of (dataset, seed) and writes its file. The file's name depends only on
 * (dataset, seed, candidates) and its content is deterministic, so two trainers building the same
 * split at once write the same bytes.
 */
export function writeSplit(
  home: string,
  datasetId: number,
  dataset: Dataset,
  seed: number,
  nCandidates: number,
): { split: Split; record: NewSplit } {
  const split = buildSplit(dataset, seed, nCandidates);
  const file = writeArtifact(
    home,
    'split',
    join('splits', `${datasetId}-seed${seed}-c${nCandidates}.hkda`),
    {
      valid: split.valid,
      test: split.test,
      candidates: { data: split.candidates, shape: [dataset.nUsers, nCandidates] },
    },
    { seed, nCandidates },
  );
  const nTrain = dataset.items.length - 2 * dataset.nUsers;
  return { split, record: { datasetId, seed, nCandidates, nTrain, file } };
}

/** A split from its file (`rel`: relative to the store's home). */
export function readSplit(home: string, rel: string, seed: number): Split {
  const f = readArrayFile(join(home, rel));
  return {
    seed,
    nCandidates: f.shape('candidates')[1],
    valid: f.get('valid'),
    test: f.get('test'),
    candidates: f.get('candidates'),
  };
}
