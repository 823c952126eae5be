// Cluster-wise views of how a student represents users (METHOD.md §7.1 items 5–6): the teacher's
// user clusters carried into a student's space, and each cluster's test accuracy.

/** Row-major n × d embedding rows. */
export interface Rows {
  data: Float32Array;
  n: number;
  d: number;
}

/**
 * Seeded K-means (k-means++ start, squared Euclidean) of the rows: each row's cluster. ml-kmeans
 * ships as an ES module: loaded when an analysis runs.
 */
export async function kmeansLabels(x: Rows, k: number, seed: number): Promise<number[]> {
  const { kmeans } = await import('ml-kmeans');
  return kmeans(toArrays(x), k, { seed, initialization: 'kmeans++', maxIterations: 300 }).clusters;
}

/** The rows as arrays of numbers (what the libraries take). */
export function toArrays(x: Rows): number[][] {
  return Array.from({ length: x.n }, (_, i) => Array.from(x.data.subarray(i * x.d, (i + 1) * x.d)));
}

/** Centroid of each label's rows (a label with no rows gets NaN, which is never nearest). */
export function centroids(x: Rows, labels: ArrayLike<number>, k: number): Float64Array {
  const c = new Float64Array(k * x.d);
  const count = new Float64Array(k);
  for (let i = 0; i < x.n; i++) {
    const l = labels[i];
    count[l]++;
    for (let j = 0; j < x.d; j++) c[l * x.d + j] += x.data[i * x.d + j];
  }
  for (let l = 0; l < k; l++) for (let j = 0; j < x.d; j++) c[l * x.d + j] /= count[l];
  return c;
}

/** Index of the centroid nearest to row i (squared Euclidean; ties: the lower index). */
function nearest(x: Rows, i: number, c: Float64Array, k: number): number {
  let best = -1;
  let bestD = Infinity;
  for (let l = 0; l < k; l++) {
    let s = 0;
    for (let j = 0; j < x.d; j++) {
      const t = x.data[i * x.d + j] - c[l * x.d + j];
      s += t * t;
    }
    if (s < bestD) {
      bestD = s;
      best = l;
    }
  }
  return best;
}

/**
 * Share of users whose nearest teacher-cluster centroid, computed in this run's own space, is not
 * their teacher cluster: how far a student's geometry has drifted from its teacher's grouping.
 */
export function misclusteredShare(x: Rows, labels: ArrayLike<number>, k: number): number {
  const c = centroids(x, labels, k);
  let wrong = 0;
  for (let i = 0; i < x.n; i++) if (nearest(x, i, c, k) !== labels[i]) wrong++;
  return wrong / x.n;
}

export interface ClusterScore {
  size: number;
  /** Mean test H@5 / N@5 of the cluster's users (null for an empty cluster). */
  H5: number | null;
  N5: number | null;
}

/** Each cluster's mean test H@5 and N@5, from each user's 1-based rank of its held-out item. */
export function clusterScores(
  labels: ArrayLike<number>,
  ranks: ArrayLike<number>,
  k: number,
): ClusterScore[] {
  const out = Array.from({ length: k }, () => ({ size: 0, h: 0, n: 0 }));
  for (let u = 0; u < labels.length; u++) {
    const c = out[labels[u]];
    c.size++;
    if (ranks[u] <= 5) {
      c.h++;
      c.n += 1 / Math.log2(ranks[u] + 1);
    }
  }
  return out.map((c) => ({
    size: c.size,
    H5: c.size ? c.h / c.size : null,
    N5: c.size ? c.n / c.size : null,
  }));
}

/** Population standard deviation (Table 3 divides by the number of clusters). */
export function populationSd(xs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i];
  const mean = sum / xs.length;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (xs[i] - mean) ** 2;
  return Math.sqrt(ss / xs.length);
}

/**
 * Mean share of each point's `m` nearest neighbours (2-D, Euclidean, itself excluded) that share
 * its label: how well a projection keeps the teacher's clusters together.
 */
export function knnAgreement(points: number[][], labels: ArrayLike<number>, m = 10): number {
  const n = points.length;
  const kk = Math.min(m, n - 1);
  if (kk <= 0) return 1;
  // The kk nearest so far, sorted by distance (ties: the lower index, found first).
  const bestD = new Float64Array(kk);
  const bestJ = new Int32Array(kk);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const [xi, yi] = points[i];
    bestD.fill(Infinity);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const dx = points[j][0] - xi;
      const dy = points[j][1] - yi;
      const d = dx * dx + dy * dy;
      if (d >= bestD[kk - 1]) continue;
      let t = kk - 1;
      while (t > 0 && bestD[t - 1] > d) {
        bestD[t] = bestD[t - 1];
        bestJ[t] = bestJ[t - 1];
        t--;
      }
      bestD[t] = d;
      bestJ[t] = j;
    }
    let same = 0;
    for (let t = 0; t < kk; t++) if (labels[bestJ[t]] === labels[i]) same++;
    total += same / kk;
  }
  return total / n;
}
