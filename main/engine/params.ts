import type { Rng } from '../data/rng';

/**
 * A trainable (or frozen) tensor kept as a Float32Array outside tfjs. Steps upload only what they
 * use (gathered rows of big tables, whole small layers) and the gradient comes back here, so
 * gather's backward pass is a linear scatter on any backend and the optimizer can be fused.
 */
export class Param {
  grad: Float32Array;
  readonly size: number;
  /** Rows whose gradient is non-zero since the last clear; `all` after a dense accumulation. */
  private touched: Set<number> | 'all' = new Set();
  /** This tensor's own optimiser settings (a parameter group), overriding the run's. */
  optimiser: { lr?: number; weightDecay?: number } = {};

  constructor(
    readonly name: string,
    readonly shape: number[],
    public data: Float32Array,
    private isTrainable = true,
  ) {
    this.size = shape.reduce((a, b) => a * b, 1);
    if (data.length !== this.size) {
      throw new Error(`param ${name}: ${data.length} values for shape [${shape.join(', ')}]`);
    }
    this.grad = new Float32Array(isTrainable ? this.size : 0);
  }

  get trainable(): boolean {
    return this.isTrainable;
  }

  /**
   * Keeps the tensor at its current values: no gradient reaches it and the optimiser (built
   * afterwards) leaves it out, so not even weight decay moves it.
   */
  freeze(): void {
    this.isTrainable = false;
    this.grad = new Float32Array(0);
  }

  /**
   * Moves values and gradient into storage owned by someone else (the optimizer's memory), so
   * its kernels update them in place. The current contents are copied over.
   */
  relocate(data: Float32Array, grad: Float32Array): void {
    data.set(this.data);
    grad.set(this.grad);
    this.data = data;
    this.grad = grad;
  }

  /** Elements per row (product of trailing dimensions). */
  get cols(): number {
    return this.shape.length === 1 ? 1 : this.size / this.shape[0];
  }

  gatherRows(ids: ArrayLike<number>): Float32Array {
    const c = this.cols;
    const out = new Float32Array(ids.length * c);
    for (let r = 0; r < ids.length; r++) {
      const src = ids[r] * c;
      out.set(this.data.subarray(src, src + c), r * c);
    }
    return out;
  }

  accumulateRows(ids: ArrayLike<number>, g: Float32Array): void {
    const c = this.cols;
    const t = this.touched;
    for (let r = 0; r < ids.length; r++) {
      const dst = ids[r] * c;
      for (let k = 0; k < c; k++) this.grad[dst + k] += g[r * c + k];
      if (t !== 'all') t.add(ids[r]);
    }
  }

  accumulateAll(g: Float32Array): void {
    // A clean gradient is all zeros: copying is the sum, at memcpy speed (a graph model's whole
    // 30k × 200 table comes back every step).
    if (this.touched !== 'all' && this.touched.size === 0) this.grad.set(g);
    else for (let k = 0; k < this.size; k++) this.grad[k] += g[k];
    this.touched = 'all';
  }

  /** Columns [from, to) of every row (a 1-D tensor is one row), as a (rows × width) block. */
  gatherColumns(from: number, to: number): Float32Array {
    const { rows, stride, width } = this.columnBlock(from, to);
    const out = new Float32Array(rows * width);
    for (let r = 0; r < rows; r++)
      out.set(this.data.subarray(r * stride + from, r * stride + to), r * width);
    return out;
  }

  accumulateColumns(from: number, to: number, g: Float32Array): void {
    const { rows, stride, width } = this.columnBlock(from, to);
    for (let r = 0; r < rows; r++)
      for (let k = 0; k < width; k++) this.grad[r * stride + from + k] += g[r * width + k];
    this.touched = 'all';
  }

  private columnBlock(from: number, to: number) {
    const stride = this.shape.length === 1 ? this.size : this.cols;
    return { rows: this.size / stride, stride, width: to - from };
  }

  clearGrad(): void {
    if (this.touched === 'all') {
      this.grad.fill(0);
    } else {
      const c = this.cols;
      for (const r of this.touched) this.grad.fill(0, r * c, (r + 1) * c);
      this.touched.clear();
      return;
    }
    this.touched = new Set();
  }
}

export function normalParam(name: string, shape: number[], std: number, rng: Rng): Param {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = std * rng.normal();
  return new Param(name, shape, data);
}

/** U(−bound, bound). */
export function uniformParam(name: string, shape: number[], bound: number, rng: Rng): Param {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let k = 0; k < n; k++) data[k] = (2 * rng.float() - 1) * bound;
  return new Param(name, shape, data);
}

/** PyTorch's xavier_uniform_ on a 2-D (rows, cols) tensor: fan_in = cols, fan_out = rows. */
export const xavierParam = (name: string, rows: number, cols: number, rng: Rng): Param =>
  uniformParam(name, [rows, cols], Math.sqrt(6 / (rows + cols)), rng);

/**
 * The user table over the item table in one parameter, each Xavier-uniform with its own fans:
 * the reference codes (SGL-Torch, NGCF-PyTorch) keep two embedding tables, so user rows get the
 * wider bound √(6/(n_U + d)) — on CiteULike (5,219 users, 25,181 items) 2.4× the bound of one
 * stacked table.
 */
export function xavierTablesParam(
  name: string,
  nUsers: number,
  nItems: number,
  dim: number,
  rng: Rng,
): Param {
  const data = new Float32Array((nUsers + nItems) * dim);
  data.set(xavierParam(name, nUsers, dim, rng).data);
  data.set(xavierParam(name, nItems, dim, rng).data, nUsers * dim);
  return new Param(name, [nUsers + nItems, dim], data);
}

export type ParamSnapshot = Record<string, Float32Array>;

export function snapshot(params: Param[]): ParamSnapshot {
  return Object.fromEntries(params.map((p) => [p.name, p.data.slice()]));
}

export function restore(params: Param[], s: ParamSnapshot): void {
  for (const p of params) {
    const v = s[p.name];
    if (!v || v.length !== p.size) throw new Error(`snapshot lacks a matching '${p.name}'`);
    p.data.set(v);
  }
}
