import { WASM_BASE64 } from './spmm.wasm';

interface SpmmExports {
  memory: WebAssembly.Memory;
  spmm(
    x: number,
    out: number,
    ptr: number,
    from: number,
    w: number,
    nodes: number,
    stride: number,
  ): void;
}

/** A sparse matrix as rows of (source row, weight) entries; never changed once built. */
export interface CsrMatrix {
  /** Row t's entries are [ptr[t], ptr[t + 1]). */
  ptr: Int32Array;
  from: Int32Array;
  weight: Float32Array;
}

let instance: SpmmExports | undefined;
/** The matrix whose entries are in the instance's memory (a layer's products reuse one). */
let resident: CsrMatrix | undefined;
/** One instance per process: its memory is scratch space reused by every call. */
function kernel(): SpmmExports {
  instance ??= new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64')))
    .exports as unknown as SpmmExports;
  return instance;
}

/**
 * A·X for a CSR matrix A (rows × sources) and a dense row-major X (sources × d), in one SIMD pass
 * over the entries with each output row accumulated in cache: 4–7× the plain JavaScript loop
 * (CiteULike's 230k edges, measured: 56–72 vs 287–349 ms at d = 200, 4–7 vs 23–47 ms at d = 20).
 */
export function sparseProduct(a: CsrMatrix, x: Float32Array, d: number): Float32Array {
  const ex = kernel();
  const rows = a.ptr.length - 1;
  const sources = x.length / d;
  const stride = Math.ceil(d / 4) * 4;
  const nnz = a.from.length;
  const ptrOff = 0;
  const fromOff = ptrOff + 4 * (rows + 1);
  const wOff = fromOff + 4 * nnz;
  const xOff = wOff + 4 * nnz;
  const outOff = xOff + 4 * stride * sources;
  const end = outOff + 4 * stride * rows;
  const have = ex.memory.buffer.byteLength;
  if (end > have) ex.memory.grow(Math.ceil((end - have) / 65536));
  const buf = ex.memory.buffer;
  if (a !== resident) {
    new Int32Array(buf, ptrOff, rows + 1).set(a.ptr);
    new Int32Array(buf, fromOff, nnz).set(a.from);
    new Float32Array(buf, wOff, nnz).set(a.weight);
    resident = a;
  }
  const xs = new Float32Array(buf, xOff, stride * sources);
  if (stride === d) xs.set(x);
  else {
    xs.fill(0);
    for (let r = 0; r < sources; r++) xs.set(x.subarray(r * d, r * d + d), r * stride);
  }
  ex.spmm(xOff, outOff, ptrOff, fromOff, wOff, rows, stride);
  const out = new Float32Array(ex.memory.buffer, outOff, stride * rows);
  if (stride === d) return out.slice();
  const packed = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) packed.set(out.subarray(r * stride, r * stride + d), r * d);
  return packed;
}
