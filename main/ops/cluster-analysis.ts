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
import { Rng } from '../data/rng';
import { InputError } from '../errors';
import { readArrayFile } from '../store/array-file';
import type { Store } from '../store/db';
import { getRun } from '../store/runs';
import { parseConfig } from './train-config';
import { ranksOf } from './paired-runs';
import { embeddingsOf } from './run-embeddings';

/** A finished run's user rows (its representation table). */
function userRows(store: Store, run: RunInfo): Rows {
  const a = embeddingsOf(store, run);
  const f = readArrayFile(join(store.home, a.path));
  const data = f.get<Float32Array>('users');
  const [n, d] = f.shape('users');
  return { data, n, d };
}

/** The run whose users are clustered: the one asked for, else the students' teacher. */
function referenceOf(store: Store, runs: RunInfo[], asked?: number): RunInfo {
  if (asked !== undefined) return getRun(store, asked);
  const taught = runs.find((r) => r.kind === 'distill');
  if (taught?.kind === 'distill') return getRun(store, taught.config.teacher);
  return runs[0];
}

/**
 * K-means on the reference run's user embeddings, then for each run: the share of users it
 * places nearer another teacher cluster, each cluster's test accuracy and their spread, and
 * optionally a 2-D projection of its users with kNN label agreement in it.
 */
export async function analyzeClusters(
  store: Store,
  input: ClusterRequest,
): Promise<ClusterAnalysis> {
  const req = parseConfig(ClusterRequestSchema, input, 'cluster analysis');
  const runs = req.runs.map((id) => getRun(store, id));
  const reference = referenceOf(store, runs, req.reference);
  for (const r of [reference, ...runs]) {
    if (r.status !== 'completed')
      throw new InputError(`run #${r.id} is ${r.status}: only completed runs can be analysed`);
    if (r.datasetId !== reference.datasetId)
      throw new InputError(`run #${r.id} was trained on another dataset than run #${reference.id}`);
  }
  const ref = userRows(store, reference);
  const k = req.k ?? Math.max(2, Math.floor(ref.n / 500));
  if (k > ref.n) throw new InputError(`${k} clusters for ${ref.n} users`);
  const labels = await kmeansLabels(ref, k, req.seed);
  const out: ClusterAnalysis = { k, reference: reference.id, labels, runs: [] };
  for (const r of runs) {
    const x = r.id === reference.id ? ref : userRows(store, r);
    if (x.n !== ref.n)
      throw new InputError(`run #${r.id} has ${x.n} users, run #${reference.id} ${ref.n}`);
    const clusters = clusterScores(labels, ranksOf(store, r.id), k);
    const filled = clusters.filter((c) => c.size > 0);
    const points = req.projection ? await project(x, req.seed) : undefined;
    out.runs.push({
      run: r.id,
      misclustered: misclusteredShare(x, labels, k),
      knnAgreement: points
        ? knnAgreement(
            points.x.map((px, i) => [px, points.y[i]]),
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
  return out;
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
