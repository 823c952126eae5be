import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Metrics } from '../contract';
import type { FitState } from '../engine/fit';
import type { BestByK } from '../shared/model-selection';
import { readArrayFile, readArrayHeader, type TypedArray } from './array-file';
import { removeFiles, writeArtifact, type ArtifactFile } from './artifact-file';

// A run's resumable state as a file: written by whoever trains it, recorded by the store's owner
// (checkpoints.ts) once the epochs it covers are.

export interface CheckpointMeta {
  epochsDone: number;
  bestEpoch: number;
  sinceBest: number;
  bestValid: Metrics;
  bestTest: Metrics;
  adamT: number;
  rngs: number[][];
  trainSeconds: number[];
  evalSeconds: number[];
  /** Code-compatible early stopping's best epoch per K (absent otherwise, and in older files). */
  byK?: BestByK;
  /** The stored ranks are not those of the best parameters yet (FitState.bestRanksPending). */
  bestRanksPending?: boolean;
}

const prefixed = (prefix: string, x: Record<string, Float32Array>) =>
  Object.fromEntries(Object.entries(x).map(([k, v]) => [`${prefix}/${k}`, v]));

function unprefixed(
  f: ReturnType<typeof readArrayFile>,
  prefix: string,
): Record<string, Float32Array> {
  return Object.fromEntries(
    f
      .names()
      .filter((n) => n.startsWith(`${prefix}/`))
      .map((n) => [n.slice(prefix.length + 1), f.get<Float32Array>(n)]),
  );
}

/**
 * Writes the resumable state of a run to a new file (temp + rename). It counts only once
 * `commitCheckpoint` records it, after the epoch records it covers: a checkpoint is never ahead
 * of the epochs the store holds, so resuming from it loses no epoch record.
 */
export function writeCheckpoint(home: string, runId: number, s: FitState): ArtifactFile {
  const arrays: Record<string, TypedArray> = {
    ...prefixed('param', s.params),
    ...prefixed('best', s.bestParams),
    ...prefixed('m', s.adam.m),
    ...prefixed('v', s.adam.v),
    'ranks/test': s.best.ranks.test,
    'ranks/valid': s.best.ranks.valid,
  };
  const meta: CheckpointMeta = {
    epochsDone: s.epochsDone,
    bestEpoch: s.bestEpoch,
    sinceBest: s.sinceBest,
    bestValid: s.best.valid,
    bestTest: s.best.test,
    adamT: s.adam.t,
    rngs: s.rngs,
    trainSeconds: s.trainSeconds,
    evalSeconds: s.evalSeconds,
    ...(s.byK ? { byK: s.byK } : {}),
    ...(s.bestRanksPending ? { bestRanksPending: true } : {}),
  };
  const rel = join('runs', `${runId}`, `resume-${s.epochsDone}.hkda`);
  return writeArtifact(home, 'resume', rel, arrays, { ...meta }, { hash: false });
}

/**
 * Deletes checkpoint files of a run that were written but never committed (the trainer or the
 * store's owner died in between); `keep`, the committed one, stays.
 */
export function removeUncommittedCheckpoints(home: string, runId: number, keep?: string): void {
  const dir = join(home, 'runs', `${runId}`);
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) {
    if (/^resume-\d+\.hkda$/.test(f) && join('runs', `${runId}`, f) !== keep)
      removeFiles([join(dir, f)]);
  }
}

/** A run's resumable state from its checkpoint file (`rel`: relative to the store's home). */
export function readCheckpoint(home: string, rel: string): FitState {
  const f = readArrayFile(join(home, rel));
  const m = f.meta as unknown as CheckpointMeta;
  return {
    epochsDone: m.epochsDone,
    bestEpoch: m.bestEpoch,
    sinceBest: m.sinceBest,
    best: {
      valid: m.bestValid,
      test: m.bestTest,
      ranks: { test: f.get<Int32Array>('ranks/test'), valid: f.get<Int32Array>('ranks/valid') },
    },
    bestParams: unprefixed(f, 'best'),
    params: unprefixed(f, 'param'),
    adam: { t: m.adamT, m: unprefixed(f, 'm'), v: unprefixed(f, 'v') },
    rngs: m.rngs,
    trainSeconds: m.trainSeconds,
    evalSeconds: m.evalSeconds,
    ...(m.byK ? { byK: m.byK } : {}),
    ...(m.bestRanksPending ? { bestRanksPending: true } : {}),
  };
}

/** Where a checkpoint stands, read from its header alone. */
export function checkpointHeader(
  home: string,
  rel: string,
): Pick<CheckpointMeta, 'epochsDone' | 'bestEpoch' | 'sinceBest'> {
  const m = readArrayHeader(join(home, rel)).meta as unknown as CheckpointMeta;
  return { epochsDone: m.epochsDone, bestEpoch: m.bestEpoch, sinceBest: m.sinceBest };
}
