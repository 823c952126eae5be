import type { Split } from '../../data/split';
import { WASM_BASE64 } from './dot.wasm';

let compiled: WebAssembly.Module | undefined;
function wasmModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
  return compiled;
}

interface DotExports {
  memory: WebAssembly.Memory;
  scorePairs(
    p: number,
    q: number,
    users: number,
    items: number,
    slots: number,
    out: number,
    n: number,
    stride: number,
  ): void;
  scoreMlpPairs(
    p: number,
    q: number,
    a: number,
    c: number,
    w: number,
    users: number,
    items: number,
    slots: number,
    out: number,
    n: number,
    stride: number,
  ): void;
}

/** Number of scored items per user: the test item, the validation item, then the candidates. */
export const slotsPerUser = (split: Split): number => 2 + split.nCandidates;

/**
 * Scores every user's evaluation items, [test, valid, c_1 … c_C], by dot product of
 * representations, without ever forming a users × items matrix. The item-sorted pair list is
 * built once per split; each call copies the two tables in and runs one SIMD kernel.
 */
export class CandidateScorer {
  private readonly ex: DotExports;
  private readonly nPairs: number;
  private readonly fixedBytes: number;
  /** Every user's [test, valid, candidates…] item ids, nUsers × slots (models that do not score
   * by dot product walk these themselves). */
  readonly slotItems: Int32Array;
  readonly slots: number;

  constructor(
    split: Split,
    private readonly nUsers: number,
    nItems: number,
  ) {
    this.ex = new WebAssembly.Instance(wasmModule()).exports as unknown as DotExports;
    const per = slotsPerUser(split);
    const n = nUsers * per;
    this.slots = per;
    this.nPairs = n;
    // users, items, slots (int32) and out (float32): four arrays of n words.
    this.fixedBytes = 16 * n;
    this.ensure(this.fixedBytes);
    const itemOf = (s: number): number => {
      const u = (s / per) | 0;
      const j = s - u * per;
      return j === 0
        ? split.test[u]
        : j === 1
          ? split.valid[u]
          : split.candidates[u * split.nCandidates + j - 2];
    };
    this.slotItems = Int32Array.from({ length: n }, (_, s) => itemOf(s));
    // Counting sort of the slots by item.
    const start = new Int32Array(nItems + 1);
    for (let s = 0; s < n; s++) start[itemOf(s) + 1]++;
    for (let i = 0; i < nItems; i++) start[i + 1] += start[i];
    const mem = new Int32Array(this.ex.memory.buffer);
    for (let s = 0; s < n; s++) {
      const item = itemOf(s);
      const e = start[item]++;
      mem[e] = (s / per) | 0;
      mem[n + e] = item;
      mem[2 * n + e] = s;
    }
  }

  private ensure(bytes: number): void {
    const have = this.ex.memory.buffer.byteLength;
    if (bytes > have) this.ex.memory.grow(Math.ceil((bytes - have) / 65536));
  }

  /** `users` is nUsers × d and `items` nItems × d, row-major; returns nUsers × slotsPerUser. */
  score(users: Float32Array, items: Float32Array, d: number): Float32Array {
    const stride = Math.ceil(d / 8) * 8;
    const nItems = items.length / d;
    const pOff = this.fixedBytes;
    const qOff = pOff + 4 * stride * this.nUsers;
    this.ensure(qOff + 4 * stride * nItems);
    const f = new Float32Array(this.ex.memory.buffer);
    copyPadded(users, f, pOff / 4, d, stride);
    copyPadded(items, f, qOff / 4, d, stride);
    const n = this.nPairs;
    this.ex.scorePairs(pOff, qOff, 0, 4 * n, 8 * n, 12 * n, n, stride);
    return new Float32Array(this.ex.memory.buffer, 12 * n, n).slice();
  }

  /** bias + Σ_k gu'_k·gi_k + Σ_k w_k·relu(a_uk + c_ik) for every evaluation pair. */
  scoreMlp(t: MlpScoreTables, d: number): Float32Array {
    const stride = Math.ceil(d / 8) * 8;
    const nItems = t.gmfItems.length / d;
    const userBytes = 4 * stride * this.nUsers;
    const itemBytes = 4 * stride * nItems;
    const p = this.fixedBytes;
    const a = p + userBytes;
    const q = a + userBytes;
    const c = q + itemBytes;
    const w = c + itemBytes;
    this.ensure(w + 4 * stride);
    const f = new Float32Array(this.ex.memory.buffer);
    copyPadded(t.gmfUsers, f, p / 4, d, stride);
    copyPadded(t.mlpUsers, f, a / 4, d, stride);
    copyPadded(t.gmfItems, f, q / 4, d, stride);
    copyPadded(t.mlpItems, f, c / 4, d, stride);
    copyPadded(t.mlpOut, f, w / 4, d, stride);
    const n = this.nPairs;
    this.ex.scoreMlpPairs(p, q, a, c, w, 0, 4 * n, 8 * n, 12 * n, n, stride);
    const out = new Float32Array(this.ex.memory.buffer, 12 * n, n).slice();
    for (let k = 0; k < n; k++) out[k] += t.bias;
    return out;
  }
}

/** NeuMF's one-layer scores, as a GMF part and an MLP part over per-entity projections. */
export interface MlpScoreTables {
  /** GMF user rows, each scaled by the output weights of the GMF product. */
  gmfUsers: Float32Array;
  gmfItems: Float32Array;
  /** The MLP layer's user half with its bias, and its item half (nUsers × d, nItems × d). */
  mlpUsers: Float32Array;
  mlpItems: Float32Array;
  /** Output weights of the MLP units. */
  mlpOut: Float32Array;
  bias: number;
}

function copyPadded(src: Float32Array, dst: Float32Array, at: number, d: number, stride: number) {
  const rows = src.length / d;
  if (stride === d) {
    dst.set(src, at);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const o = at + r * stride;
    dst.set(src.subarray(r * d, (r + 1) * d), o);
    dst.fill(0, o + d, o + stride);
  }
}
