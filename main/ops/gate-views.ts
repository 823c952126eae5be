import {
  collapseCheck,
  dominantByActivity,
  dominantTas,
  entropies,
  histogram,
  meanWeights,
  weightRange,
  type GateMatrix,
} from '../analysis/gate-stats';
import type { RunInfo } from '../contract';
import { trainSet, type TrainSet } from '../data/split';
import { NotFoundError } from '../errors';
import { readArrayFile } from '../store/array-file';
import type { Store } from '../store/db';
import { getDatasetById, loadDataset } from '../store/datasets';
import { getEpochs, getRun } from '../store/runs';
import { findSplit } from '../store/splits';
import { gatesFile } from './gates';
import { ranksOf } from './paired-runs';

// What the TA-weights view shows of a HyperKDMA run: the summary above its heatmap, the heatmap's
// rows, and one user's or item's detail.

type Kind = 'user' | 'item';

/** A completed run's training data as its split saw it. */
function runData(
  store: Store,
  run: RunInfo,
): { train: TrainSet; test: Int32Array; raw: string[][] } {
  const ds = getDatasetById(store, run.datasetId);
  const d = loadDataset(store, ds);
  const split = findSplit(store, ds.id, run.seed, run.config.candidates);
  if (!split) throw new NotFoundError(`split of run #${run.id}`);
  return {
    train: trainSet(d, split.split),
    test: split.split.test,
    raw: [d.rawUserIds, d.rawItemIds],
  };
}

function activity(train: TrainSet, kind: Kind): Int32Array {
  if (kind === 'user')
    return Int32Array.from(
      { length: train.nUsers },
      (_, u) => train.userPtr[u + 1] - train.userPtr[u],
    );
  const a = new Int32Array(train.nItems);
  for (const i of train.items) a[i]++;
  return a;
}

function gateMatrix(
  store: Store,
  runId: number,
  kind: Kind,
): GateMatrix & { norms: Float32Array; taDims: number[] } {
  const f = readArrayFile(gatesFile(store, runId));
  const name = kind === 'user' ? 'userGates' : 'itemGates';
  const [n, m] = f.shape(name);
  return {
    n,
    m,
    weights: f.get<Float32Array>(name),
    norms: f.get<Float32Array>(kind === 'user' ? 'userTaNorms' : 'itemTaNorms'),
    taDims: f.meta.taDims as number[],
  };
}

/** Best-epoch ‖h_TA_i‖ / ‖h_T‖ from the run's diagnostics. */
function normRatios(store: Store, run: RunInfo, m: number): number[] {
  const best = getEpochs(store, run.id).find((e) => e.epoch === run.bestEpoch);
  const d = best?.diagnostics as Record<string, number> | undefined;
  if (!d || !d['teacher.norm']) return [];
  return Array.from({ length: m }, (_, i) => (d[`ta${i}.norm`] ?? 0) / d['teacher.norm']);
}

/** What the TA-weights view shows above the heatmap. */
export function gatesSummary(store: Store, runId: number, kind: Kind) {
  const run = getRun(store, runId);
  const g = gateMatrix(store, runId, kind);
  const { train } = runData(store, run);
  const h = entropies(g);
  const maxEntropy = Math.log(g.m);
  return {
    kind,
    n: g.n,
    taDims: g.taDims,
    meanWeights: meanWeights(g),
    weightRange: weightRange(g),
    entropyHistogram: { max: maxEntropy, counts: histogram(h, maxEntropy, 20) },
    dominantByActivity: dominantByActivity(dominantTas(g), activity(train, kind), g.m),
    collapse: collapseCheck(g, normRatios(store, run, g.m)),
  };
}

/** Heatmap rows: every entity, sorted, one page at a time. */
export function gatesRows(
  store: Store,
  runId: number,
  kind: Kind,
  order: 'id' | 'dominant' | 'entropy' | 'activity',
  offset: number,
  limit: number,
) {
  const run = getRun(store, runId);
  const g = gateMatrix(store, runId, kind);
  const act = activity(runData(store, run).train, kind);
  const h = entropies(g);
  const dom = dominantTas(g);
  const ids = Array.from({ length: g.n }, (_, e) => e);
  const key: Record<typeof order, (e: number) => number> = {
    id: (e) => e,
    dominant: (e) => dom[e] * 2 - g.weights[e * g.m + dom[e]],
    entropy: (e) => h[e],
    activity: (e) => -act[e],
  };
  ids.sort((a, b) => key[order](a) - key[order](b) || a - b);
  return {
    total: g.n,
    m: g.m,
    rows: ids.slice(offset, offset + limit).map((e) => ({
      id: e,
      weights: Array.from(g.weights.subarray(e * g.m, (e + 1) * g.m)),
      entropy: h[e],
      activity: act[e],
      dominant: dom[e],
    })),
  };
}

/** One user or item: its weights, its interactions and how teacher and student rank its test items. */
export function entityDetail(store: Store, runId: number, kind: Kind, id: number) {
  const run = getRun(store, runId);
  const g = gateMatrix(store, runId, kind);
  if (!Number.isInteger(id) || id < 0 || id >= g.n)
    throw new NotFoundError(`${kind} ${id} of run #${runId}`);
  const { train, test, raw } = runData(store, run);
  const student = ranksOf(store, runId);
  const teacherRanks = run.teacherRunId !== null ? ranksOf(store, run.teacherRunId) : undefined;
  const interactions: number[] = [];
  if (kind === 'user')
    interactions.push(...train.items.subarray(train.userPtr[id], train.userPtr[id + 1]));
  else
    for (let u = 0; u < train.nUsers && interactions.length < 500; u++) {
      const items = train.items.subarray(train.userPtr[u], train.userPtr[u + 1]);
      if (items.includes(id)) interactions.push(u);
    }
  const testUsers =
    kind === 'user'
      ? [id]
      : Array.from(test.keys())
          .filter((u) => test[u] === id)
          .slice(0, 100);
  return {
    kind,
    id,
    rawId: raw[kind === 'user' ? 0 : 1][id],
    weights: Array.from(g.weights.subarray(id * g.m, (id + 1) * g.m)),
    taNorms: Array.from(g.norms.subarray(id * g.m, (id + 1) * g.m)),
    taDims: g.taDims,
    interactions: interactions.slice(0, 500),
    interactionCount: interactions.length,
    testRanks: testUsers.map((u) => ({
      user: u,
      item: test[u],
      student: student[u],
      teacher: teacherRanks ? teacherRanks[u] : null,
    })),
  };
}
