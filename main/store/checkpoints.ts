import { join } from 'node:path';
import type { Metrics } from '../engine/metrics';
import type { FitState } from '../engine/trainer';
import { readArrayFile, type TypedArray } from './array-file';
import { findArtifact, saveArrays } from './artifacts';
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

/** Writes the resumable state of a run atomically (temp file + rename), replacing the last. */
export function saveCheckpoint(store: Store, runId: number, s: FitState): void {
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
  saveArrays(
    store,
    { runId },
    'resume',
    join('runs', `${runId}`, 'resume.hkda'),
    arrays,
    { ...meta },
    { hash: false },
  );
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
