import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../../data/sampler';
import type { TrainSet } from '../../data/split';
import { csrProduct, hasCsrProduct, type CsrTensors } from '../kernels/csr-product';
import { readsSynchronously } from '../webgpu';
import { type CsrMatrix, sparseProduct } from '../kernels/sparse-product';

/**
 * The user–item bipartite graph of the training interactions as a directed edge list over
 * n = nUsers + nItems nodes (users first, then items), each undirected edge in both directions,
 * weighted by the symmetric normalisation 1/√(deg_src · deg_dst) (METHOD.md §4.3). A node
 * without edges keeps degree 0 and receives nothing.
 */
export interface EdgeList {
  nodes: number;
  src: Int32Array;
  dst: Int32Array;
  weight: Float32Array;
}

export function normalizedGraph(train: TrainSet): EdgeList {
  const { nUsers, nItems, userPtr, items } = train;
  const m = items.length;
  const deg = new Float64Array(nUsers + nItems);
  for (let u = 0; u < nUsers; u++) deg[u] = userPtr[u + 1] - userPtr[u];
  for (const i of items) deg[nUsers + i]++;
  const src = new Int32Array(2 * m);
  const dst = new Int32Array(2 * m);
  const weight = new Float32Array(2 * m);
  let e = 0;
  for (let u = 0; u < nUsers; u++) {
    for (let k = userPtr[u]; k < userPtr[u + 1]; k++) {
      const i = nUsers + items[k];
      const w = 1 / Math.sqrt(deg[u] * deg[i]);
      src[e] = u;
      dst[e] = i;
      weight[e++] = w;
      src[e] = i;
      dst[e] = u;
      weight[e++] = w;
    }
  }
  return { nodes: nUsers + nItems, src, dst, weight };
}

/** Edges grouped by the row they write (CSR), so each output row stays in cache while summed. */
interface Csr {
  ptr: Int32Array;
  from: Int32Array;
  /** Position of each grouped edge in the original list (to pick its weight). */
  edge: Int32Array;
}

function csrBy(to: Int32Array, from: Int32Array, nodes: number): Csr {
  const ptr = new Int32Array(nodes + 1);
  for (const t of to) ptr[t + 1]++;
  for (let v = 0; v < nodes; v++) ptr[v + 1] += ptr[v];
  const fill = ptr.slice(0, nodes);
  const src = new Int32Array(to.length);
  const edge = new Int32Array(to.length);
  for (let e = 0; e < to.length; e++) {
    const k = fill[to[e]]++;
    src[k] = from[e];
    edge[k] = e;
  }
  return { ptr, from: src, edge };
}

const mapValues = (m: CsrMatrix, f: (a: Float32Array | Int32Array) => tf.Tensor) =>
  ({ ptr: f(m.ptr), from: f(m.from), weight: f(m.weight) }) as Omit<CsrTensors, 'rows'>;

/** The CSR matrix of `c` with edge weights `w` (indexed like the edge list). */
function withWeights(c: Csr, w: Float32Array): CsrMatrix {
  const weight = new Float32Array(c.edge.length);
  for (let k = 0; k < weight.length; k++) weight[k] = w[c.edge[k]];
  return { ptr: c.ptr, from: c.from, weight };
}

/**
 * Rows `rows` of `m` (in that order) as a matrix of their own, and its transpose grouped by source
 * (over `sources` rows): a product at a batch's nodes and its gradient.
 */
function rowBlock(m: CsrMatrix, rows: Int32Array, sources: number) {
  const ptr = new Int32Array(rows.length + 1);
  rows.forEach((t, r) => (ptr[r + 1] = ptr[r] + m.ptr[t + 1] - m.ptr[t]));
  const from = new Int32Array(ptr[rows.length]);
  const weight = new Float32Array(from.length);
  const entryRow = new Int32Array(from.length);
  rows.forEach((t, r) => {
    from.set(m.from.subarray(m.ptr[t], m.ptr[t + 1]), ptr[r]);
    weight.set(m.weight.subarray(m.ptr[t], m.ptr[t + 1]), ptr[r]);
    entryRow.fill(r, ptr[r], ptr[r + 1]);
  });
  return {
    forward: { ptr, from, weight },
    backward: withWeights(csrBy(from, entryRow, sources), weight),
  };
}

/**
 * Sparse products with an edge list. tfjs has no sparse matmul, and gather → scale → segment sum
 * over CiteULike's 230k edges at d = 200 costs ~5 s per layer on the wasm and cpu backends (their
 * gather and broadcasting multiply are generic loops); one SIMD pass over the edges grouped by
 * target row costs 60–80 ms (5–10 ms at d = 20). The product is a custom op whose gradient is
 * the same pass over the transposed edges (grouped by source).
 */
export class GraphTensors {
  private readonly forward: Csr;
  private readonly backward: Csr;
  /** Â and Âᵀ with the graph's own weights, the common case. */
  private readonly weighted: { forward: CsrMatrix; backward: CsrMatrix };
  private reweighted?: { weight: Float32Array; forward: CsrMatrix; backward: CsrMatrix };

  constructor(readonly g: EdgeList) {
    this.forward = csrBy(g.dst, g.src, g.nodes);
    this.backward = csrBy(g.src, g.dst, g.nodes);
    this.weighted = {
      forward: withWeights(this.forward, g.weight),
      backward: withWeights(this.backward, g.weight),
    };
  }

  /** Â and Âᵀ with `weight`; the last other weighting is kept (NGCF reuses it for every layer). */
  private matrices(weight: Float32Array): { forward: CsrMatrix; backward: CsrMatrix } {
    if (weight === this.g.weight) return this.weighted;
    if (this.reweighted?.weight !== weight)
      this.reweighted = {
        weight,
        forward: withWeights(this.forward, weight),
        backward: withWeights(this.backward, weight),
      };
    return this.reweighted;
  }

  /** Â·E: O(edges · d), no dense adjacency. */
  spread(e: tf.Tensor2D): tf.Tensor2D {
    return this.spreadWith(e, this.g.weight);
  }

  /** Â's and Âᵀ's structure and the graph's own weights, in the backend's memory. */
  private resident?: { forward: CsrTensors; backward: CsrTensors };
  /** The last other weighting (NGCF's dropout: one per step, used by every layer). */
  private residentReweighted?: { weight: Float32Array; forward: CsrTensors; backward: CsrTensors };

  private tensors(weight: Float32Array): { forward: CsrTensors; backward: CsrTensors } {
    const { forward, backward } = this.matrices(weight);
    const kept = (a: Float32Array | Int32Array) =>
      tf.keep(a instanceof Int32Array ? tf.tensor1d(a, 'int32') : tf.tensor1d(a));
    this.resident ??= {
      forward: { rows: this.g.nodes, ...mapValues(this.weighted.forward, kept) },
      backward: { rows: this.g.nodes, ...mapValues(this.weighted.backward, kept) },
    };
    if (weight === this.g.weight) return this.resident;
    if (this.residentReweighted?.weight !== weight) {
      // Kept until the next weighting arrives: a step's backward pass still needs it.
      this.disposeReweighted();
      this.residentReweighted = {
        weight,
        forward: { ...this.resident.forward, weight: kept(forward.weight) as tf.Tensor1D },
        backward: { ...this.resident.backward, weight: kept(backward.weight) as tf.Tensor1D },
      };
    }
    return this.residentReweighted;
  }

  private disposeReweighted(): void {
    const r = this.residentReweighted;
    if (r) tf.dispose([r.forward.weight, r.backward.weight]);
    this.residentReweighted = undefined;
  }

  /** Frees the matrices kept in the backend (SGL draws new views every epoch). */
  dispose(): void {
    this.disposeReweighted();
    for (const m of this.resident ? [this.resident.forward, this.resident.backward] : [])
      tf.dispose([m.ptr, m.from, m.weight]);
    this.resident = undefined;
    this.residentEntryRows?.dispose();
    this.residentEntryRows = undefined;
  }

  /** Each entry's row of Â, in the backend's memory (the product as tfjs ops needs it). */
  private residentEntryRows?: tf.Tensor1D;

  /**
   * Â·E as tfjs ops — gather the source rows, weight them, sum them per row — for a backend that
   * runs them on its device and cannot hand their values to the CPU product (WebGPU); tfjs
   * differentiates it as gather and segment sum. The matrix stays resident like the CSR kernel's.
   */
  private gatherScatter(e: tf.Tensor2D, weight: Float32Array): tf.Tensor2D {
    const { forward } = this.tensors(weight);
    if (!this.residentEntryRows) {
      const { ptr } = this.weighted.forward;
      const rowOf = new Int32Array(ptr[ptr.length - 1]);
      for (let t = 0; t + 1 < ptr.length; t++) rowOf.fill(t, ptr[t], ptr[t + 1]);
      this.residentEntryRows = tf.keep(tf.tensor1d(rowOf, 'int32'));
    }
    const weighted = tf.mul(tf.gather(e, forward.from), tf.expandDims(forward.weight, 1));
    return tf.unsortedSegmentSum(weighted, this.residentEntryRows, forward.rows) as tf.Tensor2D;
  }

  /** The same with other edge weights (NGCF's node dropout), indexed like the edge list. */
  spreadWith(e: tf.Tensor2D, weight: Float32Array): tf.Tensor2D {
    if (!readsSynchronously()) return this.gatherScatter(e, weight);
    if (hasCsrProduct()) {
      const { forward, backward } = this.tensors(weight);
      const op = tf.customGrad((x) => ({
        value: csrProduct(x as tf.Tensor2D, forward),
        gradFunc: (dy: tf.Tensor) => csrProduct(dy as tf.Tensor2D, backward),
      }));
      return op(e) as tf.Tensor2D;
    }
    const n = this.g.nodes;
    const d = e.shape[1];
    const { forward, backward } = this.matrices(weight);
    const op = tf.customGrad((x) => ({
      value: tf.tensor2d(sparseProduct(forward, (x as tf.Tensor2D).dataSync() as Float32Array, d), [
        n,
        d,
      ]),
      gradFunc: (dy: tf.Tensor) =>
        tf.tensor2d(sparseProduct(backward, dy.dataSync() as Float32Array, d), [n, d]),
    }));
    return op(e) as tf.Tensor2D;
  }

  /**
   * Rows `rows` of Â·E (with `weight`, as `spreadWith`), from those rows of Â alone (uploaded for
   * this call): a batch needs a last layer only at its nodes — on CiteULike ~2,650 of 30,400,
   * whose rows hold ~29% of Â.
   */
  spreadAt(e: tf.Tensor2D, rows: Int32Array, weight = this.g.weight): tf.Tensor2D {
    if (!readsSynchronously() || !hasCsrProduct())
      return tf.gather(this.spreadWith(e, weight), tf.tensor1d(rows, 'int32'));
    const block = rowBlock(this.matrices(weight).forward, rows, this.g.nodes);
    const upload = (m: CsrMatrix, n: number): CsrTensors => ({
      rows: n,
      ...mapValues(m, (a) => (a instanceof Int32Array ? tf.tensor1d(a, 'int32') : tf.tensor1d(a))),
    });
    // Uploaded inside the op and its gradient: tensors made outside them do not live until the
    // backward pass (the gradient's scope is not the forward's).
    const op = tf.customGrad((x) => ({
      value: csrProduct(x as tf.Tensor2D, upload(block.forward, rows.length)),
      gradFunc: (dy: tf.Tensor) =>
        csrProduct(dy as tf.Tensor2D, upload(block.backward, this.g.nodes)),
    }));
    return op(e) as tf.Tensor2D;
  }

  /** E⁰ … E^{count} with E^{l+1} = Â E^l. */
  propagate(e0: tf.Tensor2D, count: number): tf.Tensor2D[] {
    const out = [e0];
    for (let l = 0; l < count; l++) out.push(this.spread(out[l]));
    return out;
  }

  /**
   * LightGCN's output at `rows` only, given E⁰ … E^{L−1} in full (`propagate(e0, L − 1)`): the
   * last layer is computed at the rows, and no full-table sum or mean exists. Also the rows of
   * E⁰ … E^{L−1} it read (E⁰'s are what the L2 term needs).
   */
  layerMeanAt(
    lower: tf.Tensor2D[],
    rows: Int32Array,
  ): { mean: tf.Tensor2D; lowerRows: tf.Tensor2D[] } {
    const at = tf.tensor1d(rows, 'int32');
    const lowerRows = lower.map((e) => tf.gather(e, at));
    const top = this.spreadAt(lower[lower.length - 1], rows);
    return { mean: tf.div(tf.addN([...lowerRows, top]), lower.length + 1), lowerRows };
  }

  /** LightGCN's output: the mean of E⁰ … E^L with E^{l+1} = Â E^l. */
  layerMean(e0: tf.Tensor2D, layers: number): tf.Tensor2D {
    let e = e0;
    let sum = e0;
    for (let l = 0; l < layers; l++) {
      e = this.spread(e);
      sum = tf.add(sum, e);
    }
    return tf.div(sum, layers + 1);
  }
}

/**
 * NGCF's propagation matrix with self-loops (METHOD.md §4.4). `row`, the reference code's
 * Ã = D̃⁻¹(A + I): row a gathers from b with weight 1/(deg_a + 1). `symmetric`, the NGCF paper's
 * L + I with L = D^{-1/2} A D^{-1/2}. Self-loops come last.
 */
export function selfLoopGraph(train: TrainSet, mode: 'row' | 'symmetric' = 'row'): EdgeList {
  const sym = normalizedGraph(train);
  const n = sym.nodes;
  const deg = new Float64Array(n);
  for (const d of sym.dst) deg[d]++;
  const m = sym.src.length;
  const src = new Int32Array(m + n);
  const dst = new Int32Array(m + n);
  const weight = new Float32Array(m + n);
  src.set(sym.src);
  dst.set(sym.dst);
  const row = mode === 'row';
  for (let e = 0; e < m; e++) weight[e] = row ? 1 / (deg[sym.dst[e]] + 1) : sym.weight[e];
  for (let v = 0; v < n; v++) {
    src[m + v] = v;
    dst[m + v] = v;
    weight[m + v] = row ? 1 / (deg[v] + 1) : 1;
  }
  return { nodes: n, src, dst, weight };
}

/**
 * A random sub-graph keeping ⌊(1 − ρ)·m⌋ of the m user–item edges, re-normalised by its own
 * degrees (SGL's edge dropout, METHOD.md §4.5).
 */
export function edgeDropout(
  train: TrainSet,
  rho: number,
  rng: { int(n: number): number },
): TrainSet {
  const m = train.items.length;
  const keep = Math.floor((1 - rho) * m);
  const order = Int32Array.from({ length: m }, (_, k) => k);
  for (let k = 0; k < keep; k++) {
    const j = k + rng.int(m - k);
    const t = order[k];
    order[k] = order[j];
    order[j] = t;
  }
  const kept = order.subarray(0, keep).sort();
  const userOf = new Int32Array(m);
  for (let u = 0; u < train.nUsers; u++) userOf.fill(u, train.userPtr[u], train.userPtr[u + 1]);
  const userPtr = new Int32Array(train.nUsers + 1);
  for (const e of kept) userPtr[userOf[e] + 1]++;
  for (let u = 0; u < train.nUsers; u++) userPtr[u + 1] += userPtr[u];
  return {
    nUsers: train.nUsers,
    nItems: train.nItems,
    userPtr,
    items: Int32Array.from(kept, (e) => train.items[e]),
  };
}

/**
 * A step's output rows at a batch's distinct nodes, found again by node: KD asks for the batch's
 * users and items after the loss computed them (with this step's dropout masks, if any).
 */
export class NodeRows {
  private readonly slot: Map<number, number>;

  constructor(
    nodes: Int32Array,
    readonly out: tf.Tensor2D,
  ) {
    this.slot = new Map(Array.from(nodes, (x, k) => [x, k]));
  }

  /** The rows at `nodes`, or undefined if one of them is not among the step's. */
  at(nodes: Int32Array): tf.Tensor2D | undefined {
    if (!nodes.every((x) => this.slot.has(x))) return undefined;
    return tf.gather(
      this.out,
      tf.tensor1d(
        nodes.map((x) => this.slot.get(x)!),
        'int32',
      ),
    );
  }
}

/**
 * A batch's distinct nodes, and where each triple's user, positive and negative sit among them:
 * per-node work (dropout masks, normalisation) then happens once per node. `negatives: false`
 * leaves them out (SGL's first view is read at users and positives only).
 */
export function uniqueBatchNodes(b: Batch, nUsers: number, o = { negatives: true }) {
  const slot = new Map<number, number>();
  const at = (node: number) => {
    let k = slot.get(node);
    if (k === undefined) slot.set(node, (k = slot.size));
    return k;
  };
  const u = b.users.map(at);
  const p = b.pos.map((i) => at(i + nUsers));
  // Without the negatives their slots stay empty.
  const n = o.negatives ? b.neg.map((i) => at(i + nUsers)) : new Int32Array(0);
  return { nodes: Int32Array.from(slot.keys()), u, p, n };
}
