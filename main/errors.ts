import { distance } from 'fastest-levenshtein';

/**
 * Errors a user can act on. Faces map them to exit code 2 (CLI) or a validation message (UI);
 * anything else is a bug or a failed run.
 */
export class InputError extends Error {
  constructor(
    readonly reason: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(
      file === undefined ? reason : `${file}${line === undefined ? '' : `:${line}`}: ${reason}`,
    );
    this.name = 'InputError';
  }
}

export class NotFoundError extends Error {
  /** `known`: the names that do exist, to suggest the nearest (a typo) or list them. */
  constructor(what: string, known?: readonly string[]) {
    super(`${what} not found${known ? hint(what, known) : ''}`);
    this.name = 'NotFoundError';
  }
}

/** "; did you mean 'demo'?" for a typo, else the names there are (a few). */
function hint(what: string, known: readonly string[]): string {
  const asked = /'([^']*)'/.exec(what)?.[1] ?? what;
  const near = known
    .map((k) => ({ k, d: distance(asked.toLowerCase(), k.toLowerCase()) }))
    .filter(({ k, d }) => d <= Math.max(2, Math.floor(k.length / 3)))
    .sort((a, b) => a.d - b.d);
  if (near.length > 0) return `; did you mean '${near[0].k}'?`;
  if (known.length === 0) return '';
  const some = known.slice(0, 5).map((k) => `'${k}'`);
  return `; there are ${some.join(', ')}${known.length > 5 ? ', …' : ''}`;
}

/**
 * The store or an artifact could not be written (disk full, read-only, I/O error): nothing is
 * wrong with the request or the run, and it can be retried once the cause is fixed.
 */
export class StorageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageError';
  }
}

export function isUserError(e: unknown): e is InputError | NotFoundError | StorageError {
  return e instanceof InputError || e instanceof NotFoundError || e instanceof StorageError;
}

const STORAGE_CODES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  SQLITE_FULL: 'no space left on the device',
  SQLITE_READONLY: 'the store is read-only',
  SQLITE_CANTOPEN: 'the store cannot be opened',
};

/**
 * A write that failed for a reason outside the program (disk full, read-only, I/O error), as a
 * StorageError naming `path`; anything else is returned as it was.
 */
export function storageError(e: unknown, path: string): unknown {
  if (e instanceof StorageError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return e;
  const reason = STORAGE_CODES[code] ?? (code.startsWith('SQLITE_IOERR') ? STORAGE_CODES.EIO : '');
  if (!reason) return e;
  // An fs error knows its file; a failed write(2) on an open descriptor does not.
  const where = code.startsWith('SQLITE') ? path : ((e as { path?: string }).path ?? path);
  return new StorageError(`cannot write ${where}: ${reason} (${code})`);
}

/**
 * Text that came from outside (ids, names, file content, error messages quoting them), made safe
 * to print: control characters (line breaks too: one message, one line) escaped, at most `max` characters.
 */
export function printable(s: string, max = 1000): string {
  const clipped = s.length > max ? `${s.slice(0, max)}… (${s.length - max} more characters)` : s;
  return clipped.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** One token of input quoted for a message: `'A3E…'`, escaped and clipped. */
export const quoted = (s: string, max = 40): string => `'${printable(s, max)}'`;
