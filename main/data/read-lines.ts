import { createReadStream, statSync } from 'node:fs';
import { InputError } from '../errors';

/** Longest line accepted; a users.dat line for a heavy user is ~100 kB, so this is generous. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Checks that `file` is a readable, non-empty regular file; returns its size. */
export function checkReadableFile(file: string): number {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new InputError('is a directory, not a file', file);
    if (!st.isFile()) throw new InputError('is not a regular file', file);
    size = st.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, file);
  }
  if (size === 0) throw new InputError('file is empty', file);
  return size;
}

/** Told how many bytes of a file have been read so far (import progress). */
export type OnBytes = (bytesRead: number) => void;

/**
 * Streams a text file line by line (1-based numbers), rejecting binary content and runaway lines
 * before they can exhaust memory.
 */
export async function* readLines(
  file: string,
  onBytes?: OnBytes,
): AsyncGenerator<[number, string]> {
  checkReadableFile(file);
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let rest = '';
  let lineNo = 0;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      if (chunk.includes('\u0000')) {
        throw new InputError('binary content (NUL byte); expected a text file', file, lineNo + 1);
      }
      onBytes?.(stream.bytesRead);
      rest += chunk;
      let start = 0;
      let nl: number;
      while ((nl = rest.indexOf('\n', start)) !== -1) {
        lineNo++;
        const end = nl > start && rest.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        yield [lineNo, rest.slice(start, end)];
        start = nl + 1;
      }
      rest = rest.slice(start);
      if (rest.length > MAX_LINE_BYTES) {
        throw new InputError(`line longer than ${MAX_LINE_BYTES} bytes`, file, lineNo + 1);
      }
    }
  } finally {
    stream.destroy();
  }
  if (rest.length > 0) yield [lineNo + 1, rest.endsWith('\r') ? rest.slice(0, -1) : rest];
}

/** First non-blank line of a file, for format detection. */
export async function firstLine(file: string): Promise<string> {
  for await (const [, line] of readLines(file)) {
    if (line.trim() !== '') return line;
  }
  throw new InputError('file has no non-blank line', file);
}
