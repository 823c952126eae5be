import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Metrics } from '../engine/metrics';
import type { FitState } from '../engine/trainer';
import { readArrayFile, readArrayHeader, type TypedArray } from './array-file';
import {
  findArtifact,
  recordArtifact,
  removeFiles,
  unrecordArtifact,
  writeArtifact,
  type ArtifactFile,
} from './artifacts';
import type { Store } from './db';

interface CheckpointMeta {
  epochsDone: number;
  bestEpoch: number;
  sinceBest: number;
  bestValid: Metrics;
  bestTest: Metrics;
  adamT: number;
  rngs: number[][];
  trainSeconds: number[];
  evalSeconds: number[];
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
  };
  const rel = join('runs', `${runId}`, `resume-${s.epochsDone}.hkda`);
  return writeArtifact(home, 'resume', rel, arrays, { ...meta }, { hash: false });
}

/** Makes a written checkpoint the run's current one and deletes the one it replaces. */
export function commitCheckpoint(store: Store, runId: number, file: ArtifactFile): void {
  const old = store.write(() => {
    const previous = unrecordArtifact(store, { runId }, 'resume');
    recordArtifact(store, { runId }, file);
    return previous;
  });
  if (old !== join(store.home, file.path)) removeFiles([old]);
}

/**
 * Deletes checkpoint files of a run that were written but never committed (the trainer or the
 * store's owner died in between); the committed one stays.
 */
export function removeUncommittedCheckpoints(store: Store, runId: number): void {
  const dir = join(store.home, 'runs', `${runId}`);
  const keep = findArtifact(store, { runId }, 'resume')?.path;
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) {
    if (/^resume-\d+\.hkda$/.test(f) && join('runs', `${runId}`, f) !== keep)
      removeFiles([join(dir, f)]);
  }
}

export function loadCheckpoint(store: Store, runId: number): FitState | undefined {
  const a = findArtifact(store, { runId }, 'resume');
  if (!a) return undefined;
  const f = readArrayFile(join(store.home, a.path));
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
  };
}

/** Where a run's last checkpoint stands, read from its header alone. */
export function checkpointProgress(
  store: Store,
  runId: number,
): Pick<CheckpointMeta, 'epochsDone' | 'bestEpoch' | 'sinceBest'> | undefined {
  const a = findArtifact(store, { runId }, 'resume');
  if (!a) return undefined;
  const m = readArrayHeader(join(store.home, a.path)).meta as unknown as CheckpointMeta;
  return { epochsDone: m.epochsDone, bestEpoch: m.bestEpoch, sinceBest: m.sinceBest };
}
