import { InputError, quoted } from '../errors';

/**
 * Interactions as read from a file. Ids are the file's own tokens (numbers or strings such as
 * Amazon's `A3E334…`); users are numbered in order of first appearance, items by code.
 */
export interface RawInteractions {
  /** Original user ids, in order of first appearance. */
  users: string[];
  /** For each user, its distinct item codes in order of first appearance. */
  items: number[][];
  /** Original id of each item code. */
  itemIds: string[];
  /** Repeated (user, item) pairs that were collapsed. */
  duplicates: number;
  /** Things the file got wrong that did not stop the import, each naming where. */
  warnings: string[];
}

/** Checks an id token (any text without control characters), naming file and line on failure. */
export function idToken(
  token: string | undefined,
  what: string,
  file: string,
  line: number,
): string {
  if (token === undefined || token === '') throw new InputError(`empty ${what} id`, file, line);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(token))
    throw new InputError(`${what} id ${quoted(token)} contains a control character`, file, line);
  if (token.length > 256)
    throw new InputError(`${what} id ${quoted(token)} is longer than 256 characters`, file, line);
  return token;
}

/**
 * Accumulates (user, item) pairs, collapsing duplicates and keeping first-appearance order. Ids
 * are interned to integer codes as they arrive, so memory grows with interactions, not id text.
 */
export class RawBuilder {
  private readonly userCode = new Map<string, number>();
  private readonly itemCode = new Map<string, number>();
  private readonly lists: number[][] = [];
  private readonly seen: Set<number>[] = [];
  private readonly itemIds: string[] = [];
  private duplicates = 0;
  readonly warnings: string[] = [];

  /** Registers a user that may have no items (users.dat lines with a zero count). */
  touch(user: string): number {
    let u = this.userCode.get(user);
    if (u === undefined) {
      u = this.lists.length;
      this.userCode.set(user, u);
      this.lists.push([]);
      this.seen.push(new Set());
    }
    return u;
  }

  add(user: string, item: string): void {
    const u = this.touch(user);
    let i = this.itemCode.get(item);
    if (i === undefined) {
      i = this.itemIds.length;
      this.itemCode.set(item, i);
      this.itemIds.push(item);
    }
    if (this.seen[u].has(i)) {
      this.duplicates++;
      return;
    }
    this.seen[u].add(i);
    this.lists[u].push(i);
  }

  finish(file: string): RawInteractions {
    if (this.itemIds.length === 0) throw new InputError('no interactions found', file);
    return {
      users: [...this.userCode.keys()],
      items: this.lists,
      itemIds: this.itemIds,
      duplicates: this.duplicates,
      warnings: this.warnings,
    };
  }
}
