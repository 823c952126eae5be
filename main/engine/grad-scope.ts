import * as tf from '@tensorflow/tfjs-core';
import { readNow } from './kernels/heap-kernels';
import type { Param } from './params';
import { maxBoundFloats, readsSynchronously, throwOnDeviceError } from './webgpu';

export interface LossResult {
  total: tf.Scalar;
  /** Named loss terms (already weighted as they enter the total) for logging. */
  terms: Record<string, tf.Scalar>;
  /** Diagnostics that are not part of the loss (norms, entropies, unweighted terms). */
  stats?: Record<string, tf.Scalar>;
}

export interface StepValues {
  total: number;
  terms: Record<string, number>;
  stats: Record<string, number>;
}

/**
 * Uploads parameters into one differentiable step and routes their gradients back to the owning
 * Param. Every upload hangs off a scalar "anchor" through a custom gradient, so differentiating
 * the loss with respect to that one scalar visits every parameter the loss actually used, and
 * each visit scatters its gradient into the Param.
 */
export class GradScope {
  private anchor: tf.Scalar | undefined;
  /**
   * Gradients kept to be read after the backward pass, on a backend that cannot read a tensor
   * while computing (WebGPU in Node: reads are asynchronous); undefined reads them at once.
   */
  private deferred: { grad: tf.Tensor; accumulate: (g: Float32Array) => void }[] | undefined;

  /** Rows `ids` of a table, as an (n × cols) tensor. */
  rows(p: Param, ids: ArrayLike<number>): tf.Tensor2D {
    const values = p.gatherRows(ids);
    const shape: [number, number] = [ids.length, p.cols];
    return this.leaf(
      p,
      () => tf.tensor2d(values, shape),
      (g) => p.accumulateRows(ids, g),
    );
  }

  /**
   * Columns [from, to) of a 2-D parameter as a (rows × width) tensor, or elements [from, to) of a
   * 1-D one: a part of a tensor too large for one device buffer (HyperKDMA's hypernet on WebGPU).
   */
  columns(p: Param, from: number, to: number): tf.Tensor {
    const shape = p.shape.length === 1 ? [to - from] : [p.shape[0], to - from];
    const values = p.gatherColumns(from, to);
    return this.leaf(
      p,
      () => tf.tensor(values, shape),
      (g) => p.accumulateColumns(from, to, g),
    );
  }

  /** The whole parameter in its own shape. */
  full(p: Param): tf.Tensor {
    return this.leaf(
      p,
      () => tf.tensor(p.data, p.shape),
      (g) => p.accumulateAll(g),
    );
  }

  private leaf<T extends tf.Tensor>(
    p: Param,
    make: () => T,
    accumulate: (g: Float32Array) => void,
  ): T {
    const anchor = this.anchor;
    if (!p.trainable || !anchor) return make();
    const op = tf.customGrad((a) => ({
      value: make(),
      gradFunc: (dy: T) => {
        if (this.deferred) this.deferred.push({ grad: tf.keep(tf.clone(dy)), accumulate });
        else accumulate(readNow(dy));
        return tf.zerosLike(a as tf.Tensor);
      },
    }));
    return op(anchor) as T;
  }

  /**
   * Evaluates `f` and accumulates the gradient of its total into every trainable Param it used.
   * All tensors of the step are released before returning.
   */
  static step(f: (scope: GradScope) => LossResult): StepValues {
    const scope = new GradScope();
    const t = scope.differentiate(f);
    try {
      const read = (x: Record<string, tf.Scalar>) =>
        Object.fromEntries(Object.entries(x).map(([k, v]) => [k, v.dataSync()[0]]));
      return { total: t.total.dataSync()[0], terms: read(t.terms), stats: read(t.stats) };
    } finally {
      t.dispose();
    }
  }

  /**
   * The same on any backend: where tensors can only be read asynchronously (WebGPU), the
   * gradients wait in the backend until the backward pass is done and are read then.
   */
  static async stepAsync(f: (scope: GradScope) => LossResult): Promise<StepValues> {
    if (readsSynchronously()) return GradScope.step(f);
    const scope = new GradScope();
    scope.deferred = [];
    let t: ReturnType<GradScope['differentiate']> | undefined;
    try {
      t = scope.differentiate(f);
      const { total, terms, stats } = t;
      const scalars = [total, ...Object.values(terms), ...Object.values(stats)];
      const values = await readPacked([...scalars, ...scope.deferred.map((d) => d.grad)]);
      throwOnDeviceError();
      scope.deferred.forEach((d, k) => d.accumulate(values[scalars.length + k]));
      const named = (x: Record<string, tf.Scalar>, from: number) =>
        Object.fromEntries(Object.keys(x).map((k, i) => [k, values[from + i][0]]));
      const nTerms = Object.keys(terms).length;
      return { total: values[0][0], terms: named(terms, 1), stats: named(stats, 1 + nTerms) };
    } finally {
      t?.dispose();
      for (const d of scope.deferred) d.grad.dispose();
    }
  }

  /** The forward and backward pass; returns the total, terms and stats, kept until disposed. */
  private differentiate(f: (scope: GradScope) => LossResult) {
    let terms: Record<string, tf.Scalar> = {};
    let stats: Record<string, tf.Scalar> = {};
    // The forward pass runs in its own tidy scope; keep what is read afterwards.
    const keep = (x: Record<string, tf.Scalar> = {}) =>
      Object.fromEntries(Object.entries(x).map(([k, t]) => [k, tf.keep(t)]));
    try {
      const total = tf.tidy(() => {
        const { value } = tf.valueAndGrad((a: tf.Scalar) => {
          this.anchor = a;
          const r = f(this);
          terms = keep(r.terms);
          stats = keep(r.stats);
          return r.total;
        })(tf.scalar(0));
        return value;
      });
      const all = [total, ...Object.values(terms), ...Object.values(stats)];
      return { total, terms, stats, dispose: () => tf.dispose(all) };
    } catch (e) {
      tf.dispose([...Object.values(terms), ...Object.values(stats)]);
      throw e;
    } finally {
      this.anchor = undefined;
    }
  }

  /** Evaluates `f` without gradients (evaluation, diagnostics). */
  static forward<T>(f: (scope: GradScope) => T): T {
    return f(new GradScope());
  }
}

/**
 * The values of many tensors with few reads from the device (each waits for its queue): packed
 * into as few flat tensors as the largest buffer it binds allows.
 */
async function readPacked(tensors: tf.Tensor[]): Promise<Float32Array[]> {
  const limit = maxBoundFloats();
  const packs: tf.Tensor[][] = [];
  let size = 0;
  for (const t of tensors) {
    if (packs.length === 0 || size + t.size > limit) {
      packs.push([]);
      size = 0;
    }
    packs[packs.length - 1].push(t);
    size += t.size;
  }
  const flat = packs.map((p) => tf.tidy(() => tf.concat(p.map((x) => tf.reshape(x, [-1])))));
  try {
    const read = (await Promise.all(flat.map((f) => f.data()))) as Float32Array[];
    return packs.flatMap((p, i) => {
      let at = 0;
      return p.map((x) => read[i].subarray(at, (at += x.size)));
    });
  } finally {
    tf.dispose(flat);
  }
}
