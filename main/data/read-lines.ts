import { closeSync, createReadStream, openSync, statSync, type Stats } from 'node:fs';
import { InputError } from '../errors';

/** Longest line accepted; a users.dat line for a heavy user is ~100 kB, so this is generous. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** What a file looked like before it was read, to notice it changing underneath. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
}

const stampOf = (st: Stats): FileStamp => ({ size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });

/** `file: cannot read: reason` for an I/O error; other errors as they are. */
export function readError(e: unknown, file: string, line?: number): Error {
  if (e instanceof InputError) return e;
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a directory, not a file',
    EIO: 'input/output error',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'file name too long',
  };
  const reason = err.code ? (why[err.code] ?? err.code) : String(e);
  return new InputError(`cannot read: ${reason}`, file, line);
}

/** Checks that `file` is a readable, non-empty regular file; returns what it looks like. */
export function checkReadableFile(file: string): FileStamp {
  let st: Stats;
  try {
    st = statSync(file);
    if (st.isDirectory()) throw new InputError('is a directory, not a file', file);
    if (!st.isFile()) throw new InputError('is not a regular file', file);
    // stat succeeds without read permission: opening tells.
    closeSync(openSync(file, 'r'));
  } catch (e) {
    throw readError(e, file);
  }
  if (st.size === 0) throw new InputError('file is empty', file);
  return stampOf(st);
}

/** Whether `file` is no longer what `before` saw (truncated, grown, rewritten or replaced). */
export function changedSince(file: string, before: FileStamp): boolean {
  try {
    const after = stampOf(statSync(file));
    return (
      after.size !== before.size || after.mtimeMs !== before.mtimeMs || after.ino !== before.ino
    );
  } catch {
    return true;
  }
}

export const changedError = (file: string): InputError =>
  new InputError('the file changed while it was read; import it again once it is complete', file);

/** Refuses a file that was truncated, grown or replaced while it was read. */
export function checkUnchanged(file: string, before: FileStamp, bytesRead: number): void {
  if (changedSince(file, before) || bytesRead !== before.size) throw changedError(file);
}

/** Told how many bytes of a file have been read so far (import progress). */
export type OnBytes = (bytesRead: number) => void;

/**
 * Streams a text file line by line (1-based numbers). Lines end in LF, CRLF or a lone CR
 * (classic Mac files); a byte-order mark at the start is dropped. Binary content and runaway
 * lines are rejected at their own line, before they can exhaust memory, and a file that changes
 * while it is read is refused.
 */
export async function* readLines(
  file: string,
  onBytes?: OnBytes,
): AsyncGenerator<[number, string]> {
  const stamp = checkReadableFile(file);
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let rest = '';
  let lineNo = 0;
  let first = true;
  const line = (text: string): [number, string] => {
    lineNo++;
    if (text.includes('\u0000'))
      throw new InputError('binary content (NUL byte); expected a text file', file, lineNo);
    return [lineNo, text];
  };
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      onBytes?.(stream.bytesRead);
      rest += first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
      first = false;
      let start = 0;
      for (let k = 0; k < rest.length; k++) {
        const c = rest.charCodeAt(k);
        if (c !== 10 && c !== 13) continue;
        // A CR as the chunk's last character may be the first half of a CRLF: wait for more.
        if (c === 13 && k === rest.length - 1) break;
        yield line(rest.slice(start, k));
        if (c === 13 && rest.charCodeAt(k + 1) === 10) k++;
        start = k + 1;
      }
      rest = rest.slice(start);
      if (rest.includes('\u0000'))
        throw new InputError('binary content (NUL byte); expected a text file', file, lineNo + 1);
      if (rest.length > MAX_LINE_BYTES)
        throw new InputError(`line longer than ${MAX_LINE_BYTES} bytes`, file, lineNo + 1);
    }
    if (rest.endsWith('\r')) rest = rest.slice(0, -1);
    if (rest.length > 0) yield line(rest);
    checkUnchanged(file, stamp, stream.bytesRead);
  } catch (e) {
    throw readError(e, file, e instanceof InputError ? undefined : lineNo + 1);
  } finally {
    stream.destroy();
  }
}
