import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { storageError } from '../errors';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * A small binary container of named typed arrays: magic, a JSON header with each array's dtype,
 * shape and byte offset, then 8-byte-aligned data. Offsets let a reader fetch one row (one user's
 * gate weights) without reading the rest.
 */
const MAGIC = Buffer.from('HKDARR01', 'latin1');

export type DType = 'float32' | 'float64' | 'int32' | 'uint8';
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export interface ArrayEntry {
  dtype: DType;
  shape: number[];
  offset: number;
  byteLength: number;
}

export interface ArrayFileHeader {
  arrays: Record<string, ArrayEntry>;
  meta: Record<string, unknown>;
}

const CTOR = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array };

function dtypeOf(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'uint8';
}

export interface NamedArray {
  data: TypedArray;
  shape?: number[];
}

/** Writes atomically (temp file, fsync, rename); returns size and SHA-256 of the file. */
export function writeArrayFile(
  path: string,
  arrays: Record<string, NamedArray | TypedArray>,
  meta: Record<string, unknown> = {},
  /** Resume checkpoints skip the digest: rename already makes them all-or-nothing. */
  opts: { hash?: boolean } = {},
): { bytes: number; sha256: string } {
  const entries: Record<string, ArrayEntry> = {};
  const blocks: Buffer[] = [];
  let offset = 0;
  for (const [name, value] of Object.entries(arrays)) {
    const { data, shape } = ArrayBuffer.isView(value) ? { data: value, shape: undefined } : value;
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    entries[name] = {
      dtype: dtypeOf(data),
      shape: shape ?? [data.length],
      offset,
      byteLength: buf.length,
    };
    blocks.push(buf);
    const pad = (8 - (buf.length % 8)) % 8;
    if (pad) blocks.push(Buffer.alloc(pad));
    offset += buf.length + pad;
  }
  let header = Buffer.from(JSON.stringify({ arrays: entries, meta }), 'utf8');
  const headerPad = (8 - ((MAGIC.length + 4 + header.length) % 8)) % 8;
  header = Buffer.concat([header, Buffer.alloc(headerPad, 0x20)]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const tmp = `${path}.tmp-${process.pid}`;
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (const part of [MAGIC, len, header, ...blocks]) {
        writeSync(fd, part);
        if (opts.hash !== false) hash.update(part);
        bytes += part.length;
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    // A full disk must not stay full of our half-written files.
    rmSync(tmp, { force: true });
    throw storageError(e, path);
  }
  return { bytes, sha256: opts.hash === false ? '' : hash.digest('hex') };
}

/**
 * Removes the temporary files a process left in `dir` (it was killed mid-write: a full disk makes
 * the runner stop a trainer it cannot record).
 */
export function removeTempFilesOf(dir: string, pid: number | undefined): void {
  if (pid === undefined) return;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) if (n.endsWith(`.tmp-${pid}`)) rmSync(join(dir, n), { force: true });
}

function parseHeader(buf: Buffer, path: string): { header: ArrayFileHeader; dataStart: number } {
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) {
    throw new Error(`${path}: not an array file (bad magic)`);
  }
  const hlen = buf.readUInt32LE(8);
  const header = JSON.parse(buf.subarray(12, 12 + hlen).toString('utf8')) as ArrayFileHeader;
  return { header, dataStart: 12 + hlen };
}

export interface ArrayFile {
  meta: Record<string, unknown>;
  get<T extends TypedArray>(name: string): T;
  shape(name: string): number[];
  names(): string[];
}

export function readArrayFile(path: string): ArrayFile {
  const buf = readFileSync(path);
  const { header, dataStart } = parseHeader(buf, path);
  // Copy into a fresh, aligned ArrayBuffer so typed views are valid whatever Buffer pooling did.
  const body = new Uint8Array(buf.length - dataStart);
  body.set(buf.subarray(dataStart));
  return {
    meta: header.meta,
    names: () => Object.keys(header.arrays),
    shape: (name) => entry(header, name, path).shape,
    get: <T extends TypedArray>(name: string) => {
      const e = entry(header, name, path);
      const C = CTOR[e.dtype];
      return new C(body.buffer, e.offset, e.byteLength / C.BYTES_PER_ELEMENT) as T;
    },
  };
}

function entry(h: ArrayFileHeader, name: string, path: string): ArrayEntry {
  const e = h.arrays[name];
  if (!e) throw new Error(`${path}: no array named '${name}'`);
  return e;
}

function readHeaderFd(fd: number, path: string): { header: ArrayFileHeader; dataStart: number } {
  const head = Buffer.alloc(12);
  readSync(fd, head, 0, 12, 0);
  const hlen = head.readUInt32LE(8);
  const hbuf = Buffer.alloc(12 + hlen);
  readSync(fd, hbuf, 0, 12 + hlen, 0);
  return parseHeader(hbuf, path);
}

/** The header alone (names, shapes, meta): a few hundred bytes whatever the file's size. */
export function readArrayHeader(path: string): ArrayFileHeader {
  const fd = openSync(path, 'r');
  try {
    return readHeaderFd(fd, path).header;
  } finally {
    closeSync(fd);
  }
}

/** Reads rows [row, row + count) of a 2-D array without loading the file. */
export function readArrayRows(path: string, name: string, row: number, count = 1): TypedArray {
  const fd = openSync(path, 'r');
  try {
    const { header, dataStart } = readHeaderFd(fd, path);
    const e = entry(header, name, path);
    const C = CTOR[e.dtype];
    const cols = e.shape.slice(1).reduce((a, b) => a * b, 1);
    const out = new C(cols * count);
    const bytes = Buffer.from(out.buffer);
    readSync(fd, bytes, 0, bytes.length, dataStart + e.offset + row * cols * C.BYTES_PER_ELEMENT);
    return out;
  } finally {
    closeSync(fd);
  }
}
