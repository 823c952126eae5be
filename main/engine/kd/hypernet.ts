import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../data/rng';
import type { GradScope } from '../grad-scope';
import type { Param } from '../params';
import { maxBoundFloats } from '../webgpu';
import { outerPairs, trianglePairs } from '../kernels/outer-pairs';
import { Linear, linearInitParam } from './layers';

/** Entities per chunk: as many as d_T² floats each fill ~32M (their pairs block is half that). */
const CHUNK_FLOATS = 32 * 1024 * 1024;

/**
 * Where each pair c ≤ k of the symmetric d × d matrix sits in it (row-major), mirrored (k, c), and
 * whether those differ; and each entry's pair.
 */
function foldIndex(d: number) {
  const { size, rows, cols } = trianglePairs(d);
  const at = rows.map((c, p) => c * d + cols[p]);
  const mirror = rows.map((c, p) => cols[p] * d + c);
  const offDiagonal = Float32Array.from(rows, (c, p) => (c === cols[p] ? 0 : 1));
  const pairOf = new Int32Array(d * d);
  for (let p = 0; p < size; p++) pairOf[at[p]] = pairOf[mirror[p]] = p;
  return { size, at, mirror, offDiagonal, pairOf };
}

/** Built once per size (every step folds its weights with it). */
const foldIndices = new Map<number, ReturnType<typeof foldIndex>>();

function triangle(d: number): ReturnType<typeof foldIndex> {
  let t = foldIndices.get(d);
  if (!t) foldIndices.set(d, (t = foldIndex(d)));
  return t;
}

/**
 * h_TA_all = vec(h hᵀ)·W_flatᵀ + h·B_matᵀ over entity chunks (W_flat[R][c·d + k] = W[k][R·d + c]),
 * with a gradient that recomputes each chunk's outer products instead of keeping them all.
 *
 * h hᵀ is symmetric, so only its upper triangle is formed — (pairs × entities), from the rows of
 * hᵀ (kernels/outer-pairs.ts) — against W_flat folded onto it (W_flat[·][c·d + k] +
 * W_flat[·][k·d + c] for c < k): half the products of the full outer form (≈ 0.22 of the 0.43
 * TFLOP of a CiteULike batch at d_T = 200, m = 8), the same function. Each folded weight's
 * gradient is both of its entries'. h_T is the frozen teacher: its gradient is not propagated.
 */
function chunkedHypernet(d: number, totalTa: number, chunkFloats: number) {
  const tri = triangle(d);
  const rows = (n: number) => Math.max(1, Math.min(n, Math.floor(chunkFloats / (d * d))));
  const chunks = (n: number) => {
    const out: [number, number][] = [];
    for (let s = 0; s < n; s += rows(n)) out.push([s, Math.min(rows(n), n - s)]);
    return out;
  };
  const index = (a: Int32Array) => tf.tensor1d(a, 'int32');
  // (pairs, len): h_c·h_k of each entity of the chunk, for every pair c ≤ k.
  const chunkPairs = (byDim: tf.Tensor2D, s: number, len: number) =>
    outerPairs(tf.slice(byDim, [0, s], [d, len]));
  return tf.customGrad((hIn, W, b, save) => {
    const h = hIn as tf.Tensor2D;
    // W_flatᵀ (d², R) has row c·d + k = W[k][R·d + c], which is row k·d + c of W with each
    // row's (R, d) block transposed: so W_flatᵀ[at] = V[mirror] and W_flatᵀ[mirror] = V[at].
    // d small transposes instead of one of the whole weight (m = 8, in a step: 78 → 39 ms).
    const V = tf.reshape(tf.transpose(tf.reshape(W as tf.Tensor, [d, totalTa, d]), [0, 2, 1]), [
      d * d,
      totalTa,
    ]);
    // Folded to (pairs, R): W_flatᵀ[at] + W_flatᵀ[mirror] · (c ≠ k).
    const folded = tf.add(
      tf.gather(V, index(tri.mirror)),
      tf.mul(tf.gather(V, index(tri.at)), tf.tensor2d(tri.offDiagonal, [tri.size, 1])),
    );
    const bMat = tf.reshape(b as tf.Tensor, [totalTa, d]) as tf.Tensor2D;
    const n = h.shape[0];
    const byDim = tf.transpose(h);
    const parts = chunks(n).map(([s, len]) =>
      tf.tidy(() => tf.matMul(chunkPairs(byDim, s, len), folded, true, false)),
    );
    const value = tf.add(
      parts.length === 1 ? parts[0] : tf.concat(parts, 0),
      tf.matMul(h, bMat, false, true),
    );
    (save as tf.GradSaveFunc)([h]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const hs = saved[0] as tf.Tensor2D;
        const hsByDim = tf.transpose(hs);
        const g = dy as tf.Tensor2D;
        // Summed from the first chunk's product, not from a (pairs × R) zero matrix: tfjs fills
        // that in JavaScript and uploads it (70 MB at m = 8; ~0.4 s of a CiteULike step).
        let dFolded: tf.Tensor2D | undefined;
        for (const [s, len] of chunks(n)) {
          const next = tf.tidy(() => {
            const part = tf.matMul(
              chunkPairs(hsByDim, s, len),
              tf.slice(g, [s, 0], [len, totalTa]),
            );
            return dFolded ? tf.add(dFolded, part) : part;
          });
          dFolded?.dispose();
          dFolded = next as tf.Tensor2D;
        }
        // Both entries (c, k) and (k, c) of W_flatᵀ get their pair's gradient, so it is symmetric
        // in (c, k): W's layout (k, R, c) is each row's (c, R) block transposed (41 → 36 ms).
        const dFlatT = tf.gather(dFolded ?? tf.zeros([tri.size, totalTa]), index(tri.pairOf));
        const dW = tf.reshape(tf.transpose(tf.reshape(dFlatT, [d, d, totalTa]), [0, 2, 1]), [
          d,
          totalTa * d,
        ]);
        const db = tf.reshape(tf.matMul(g, hs, true, false), [totalTa * d]);
        return [tf.zerosLike(hs), dW, db];
      },
    };
  });
}

/**
 * The hypernetwork of METHOD.md §5.4: p_e = h_T(e)·W + b (W stored (d_T, D), D = d_T·Σd_i),
 * chunk i reshaped to Θ_i(e) (d_i × d_T) and h_TA_i(e) = Θ_i(e)·h_T(e).
 *
 * Computed in the outer-product form of §8.3, which never materialises the (n × D) output:
 * h_TA_all = vec(h h^T)·W_flat^T + h·B_mat^T with W_flat[R][c·d_T + k] = W[k][R·d_T + c].
 */
export class Hypernet {
  readonly layer: Linear;
  readonly totalTa: number;

  constructor(
    name: string,
    readonly dT: number,
    readonly taDims: number[],
    rng: Rng,
    /** Floats of the outer-product block computed at once (tests use tiny chunks). */
    private readonly chunkFloats = CHUNK_FLOATS,
    /** Floats one device buffer may hold: the backend's limit unless a test sets one. */
    private readonly bufferFloats?: number,
  ) {
    this.totalTa = taDims.reduce((a, b) => a + b, 0);
    this.layer = new Linear(name, dT, dT * this.totalTa, rng);
  }

  get params(): Param[] {
    return this.layer.params;
  }

  /** All TAs' representations, (n, Σd_i), columns grouped by TA in order. */
  all(scope: GradScope, hT: tf.Tensor2D): tf.Tensor2D {
    const d = this.dT;
    const limit = this.bufferFloats ?? maxBoundFloats();
    const chunk = Math.min(this.chunkFloats, limit);
    if (this.layer.W.size <= limit) {
      const W = scope.full(this.layer.W) as tf.Tensor2D;
      const b = scope.full(this.layer.b) as tf.Tensor1D;
      return chunkedHypernet(d, this.totalTa, chunk)(hT, W, b) as tf.Tensor2D;
    }
    // W is larger than one device buffer may be: each TA's columns of it (contiguous chunks of
    // p_e) as a tensor of its own, the same function TA by TA.
    let offset = 0;
    const parts = this.taDims.map((di) => {
      const [from, to] = [offset * d, (offset + di) * d];
      offset += di;
      const W = scope.columns(this.layer.W, from, to);
      const b = scope.columns(this.layer.b, from, to);
      return chunkedHypernet(d, di, chunk)(hT, W, b) as tf.Tensor2D;
    });
    return parts.length === 1 ? parts[0] : tf.concat(parts, 1);
  }

  /** The same function computed naively through p_e and Θ_i (tests compare the two). */
  naive(scope: GradScope, hT: tf.Tensor2D): tf.Tensor2D {
    const n = hT.shape[0];
    const p = this.layer.apply(scope, hT);
    const parts: tf.Tensor2D[] = [];
    let offset = 0;
    for (const di of this.taDims) {
      const theta = tf.reshape(tf.slice(p, [0, offset], [n, this.dT * di]), [n, di, this.dT]);
      parts.push(tf.squeeze(tf.matMul(theta, tf.expandDims(hT, 2)), [2]) as tf.Tensor2D);
      offset += this.dT * di;
    }
    return tf.concat(parts, 1);
  }
}

/** w/o HNet, reading (a): one learnable Θ_i (d_i × d_T) per TA, shared by every entity. */
export class StaticProjections {
  readonly thetas: Param[];

  constructor(name: string, dT: number, taDims: number[], rng: Rng) {
    this.thetas = taDims.map((di, i) => linearInitParam(`${name}.${i}`, [di, dT], dT, rng));
  }

  get params(): Param[] {
    return this.thetas;
  }

  all(scope: GradScope, hT: tf.Tensor2D): tf.Tensor2D {
    const parts = this.thetas.map((t) => tf.matMul(hT, scope.full(t) as tf.Tensor2D, false, true));
    return (parts.length === 1 ? parts[0] : tf.concat(parts, 1)) as tf.Tensor2D;
  }
}

/** Splits (n, Σd_i) into the per-TA blocks. */
export function splitTas(all: tf.Tensor2D, taDims: number[]): tf.Tensor2D[] {
  // tfjs cannot differentiate a one-way split (its gradient concatenates nothing).
  if (taDims.length === 1) return [all];
  return tf.split(all, taDims, 1) as tf.Tensor2D[];
}

/** The gatenet: g(e) = softmax(h_T(e)·W_G + b_G) over the m TAs. */
export class Gatenet {
  readonly layer: Linear;

  constructor(name: string, dT: number, m: number, rng: Rng) {
    this.layer = new Linear(name, dT, m, rng);
  }

  get params(): Param[] {
    return this.layer.params;
  }

  apply(scope: GradScope, hT: tf.Tensor2D): tf.Tensor2D {
    return tf.softmax(this.layer.apply(scope, hT)) as tf.Tensor2D;
  }
}
