import { join } from 'node:path';
import {
  ClusterRequestSchema,
  type ClusterAnalysis,
  type ClusterRequest,
  type RunInfo,
} from '../contract';
import {
  clusterScores,
  kmeansLabels,
  knnAgreement,
  misclusteredShare,
  populationSd,
  toArrays,
  type Rows,
} from '../analysis/clusters';
import { bootstrapSpread, percentileInterval } from '../analysis/spread-bootstrap';
import { Rng } from '../data/rng';
import { InputError } from '../errors';
import { readArrayFile } from '../store/array-file';
import { findArtifact, type ArtifactRow } from '../store/artifacts';
import type { Store } from '../store/db';
import { getRun } from '../store/runs';
import { parseConfig } from './train-config';
import { ranksOf } from './paired-runs';
import { embeddingsOf } from './run-embeddings';

/** A finished run's user rows (its representation table), or null for a results-only run. */
function userRows(store: Store, run: RunInfo): Rows | null {
  const a = findArtifact(store, { runId: run.id }, 'embeddings');
  return a ? rowsOf(store, a) : null;
}

function rowsOf(store: Store, a: ArtifactRow): Rows {
  const f = readArrayFile(join(store.home, a.path));
  const [n, d] = f.shape('users');
  return { data: f.get<Float32Array>('users'), n, d };
}

/**
 * The run whose users cluster each run: the one asked for, else its own teacher; a run without
 * one (a teacher, a student without KD) takes the teacher of a distilled run on its split — a
 * seed's runs share its teacher's clusters — else the first run on its split.
 */
function referencesOf(runs: RunInfo[], asked?: number): number[] {
  const teacher = (r?: RunInfo) => (r?.kind === 'distill' ? r.config.teacher : undefined);
  return runs.map((r) => {
    const split = runs.filter((x) => x.splitId === r.splitId);
    return asked ?? teacher(r) ?? teacher(split.find((x) => x.kind === 'distill')) ?? split[0].id;
  });
}

/**
 * K-means on each reference run's user embeddings, then for each run: the share of users it
 * places nearer another of its teacher's clusters, each cluster's test accuracy and their
 * spread, and optionally a 2-D projection of its users with kNN label agreement in it. The spread
 * needs only the run's per-user ranks, so runs imported without embeddings get it too.
 */
export async function analyzeClusters(
  store: Store,
  input: ClusterRequest,
): Promise<ClusterAnalysis> {
  const req = parseConfig(ClusterRequestSchema, input, 'cluster analysis');
  const runs = req.runs.map((id) => getRun(store, id));
  const refIds = referencesOf(runs, req.reference);
  const refs = new Map<number, { run: RunInfo; rows: Rows; labels?: number[] }>();
  for (const id of refIds)
    if (!refs.has(id)) {
      const run = getRun(store, id);
      refs.set(id, { run, rows: rowsOf(store, embeddingsOf(store, run)) });
    }
  const first = refs.get(refIds[0])!;
  for (const r of [...[...refs.values()].map((x) => x.run), ...runs]) {
    if (r.status !== 'completed')
      throw new InputError(`run #${r.id} is ${r.status}: only completed runs can be analysed`);
    if (r.datasetId !== first.run.datasetId)
      throw new InputError(`run #${r.id} was trained on another dataset than run #${first.run.id}`);
  }
  const n = first.rows.n;
  const k = req.k ?? Math.max(2, Math.floor(n / 500));
  if (k > n) throw new InputError(`${k} clusters for ${n} users`);
  for (const ref of refs.values()) ref.labels = await kmeansLabels(ref.rows, k, req.seed);
  if (req.baseline !== undefined && !req.runs.includes(req.baseline))
    throw new InputError(`the baseline #${req.baseline} is not among the runs analysed`);
  const out: ClusterAnalysis = {
    k,
    references: [...refs.values()].map((x) => ({ run: x.run.id, labels: x.labels! })),
    runs: [],
  };
  const ranks = new Map(runs.map((r) => [r.id, ranksOf(store, r.id)]));
  for (const [i, r] of runs.entries()) {
    const ref = refs.get(refIds[i])!;
    const labels = ref.labels!;
    const x = r.id === ref.run.id ? ref.rows : userRows(store, r);
    if (x && x.n !== n)
      throw new InputError(`run #${r.id} has ${x.n} users, run #${ref.run.id} ${n}`);
    const clusters = clusterScores(labels, ranks.get(r.id)!, k);
    const filled = clusters.filter((c) => c.size > 0);
    const points = req.projection && x ? await project(x, req.seed) : undefined;
    out.runs.push({
      run: r.id,
      reference: ref.run.id,
      misclustered: x && misclusteredShare(x, labels, k),
      knnAgreement: points
        ? knnAgreement(
            points.x.map((px, j) => [px, points.y[j]]),
            labels,
          )
        : null,
      clusters,
      std: {
        H5: populationSd(filled.map((c) => c.H5!)),
        N5: populationSd(filled.map((c) => c.N5!)),
      },
      ...(points ? { points } : {}),
    });
  }
  if (req.bootstrap > 0) addIntervals(out, ranks, req.bootstrap, req.seed, req.baseline);
  return out;
}

/**
 * Bootstrap intervals of each run's spread, and its paired change against the baseline where
 * both are scored in the same clusters (runs in another teacher's clusters get no change).
 */
function addIntervals(
  a: ClusterAnalysis,
  ranks: Map<number, ArrayLike<number>>,
  draws: number,
  seed: number,
  baseline?: number,
): void {
  for (const ref of a.references) {
    const group = a.runs.filter((r) => r.reference === ref.run);
    const sample = bootstrapSpread(
      ref.labels,
      a.k,
      group.map((r) => ranks.get(r.run)!),
      draws,
      seed,
    );
    const base = group.findIndex((r) => r.run === baseline);
    group.forEach((r, i) => {
      const s = sample[i];
      r.stdInterval = { H5: percentileInterval(s.H5), N5: percentileInterval(s.N5) };
      if (base < 0 || i === base) return;
      const change = (m: 'H5' | 'N5') => ({
        value: r.std[m] - group[base].std[m],
        interval: percentileInterval(s[m].map((x, b) => x - sample[base][m][b])),
      });
      r.change = { H5: change('H5'), N5: change('N5') };
    });
  }
}

/** A seeded 2-D UMAP of a run's user rows. */
async function project(x: Rows, seed: number): Promise<{ x: number[]; y: number[] }> {
  // umap-js ships as an ES module: loaded when a projection is asked for.
  const { UMAP } = await import('umap-js');
  const rng = Rng.seeded(seed, 7);
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(15, x.n - 1),
    minDist: 0.1,
    nEpochs: 200,
    random: () => rng.float(),
  });
  const xy = umap.fit(toArrays(x));
  return { x: xy.map((p) => p[0]), y: xy.map((p) => p[1]) };
}
