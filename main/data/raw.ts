import { InputError } from '../errors';

/** Interactions as read from a file: users in order of first appearance, items in file order. */
export interface RawInteractions {
  /** Raw user ids, in order of first appearance. */
  users: number[];
  /** For each user, its distinct raw item ids in order of first appearance. */
  items: number[][];
  /** Lines whose declared count disagreed with the ids that followed (users.dat only). */
  countMismatches: number;
  /** Repeated (user, item) pairs that were collapsed. */
  duplicates: number;
}

const INT = /^-?\d+$/;

/** Parses an id token, naming file and line on failure. */
export function parseId(token: string, what: string, file: string, line: number): number {
  if (!INT.test(token))
    throw new InputError(`${what} id '${clip(token)}' is not an integer`, file, line);
  const v = Number(token);
  if (v < 0) throw new InputError(`${what} id ${token} is negative`, file, line);
  if (!Number.isSafeInteger(v))
    throw new InputError(`${what} id ${token} is too large`, file, line);
  return v;
}

export function isIntToken(token: string): boolean {
  return INT.test(token.trim());
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** Accumulates (user, item) pairs, collapsing duplicates and keeping first-appearance order. */
export class RawBuilder {
  private readonly byUser = new Map<number, { items: number[]; seen: Set<number> }>();
  private duplicates = 0;
  countMismatches = 0;

  add(user: number, item: number): void {
    let entry = this.byUser.get(user);
    if (!entry) {
      entry = { items: [], seen: new Set() };
      this.byUser.set(user, entry);
    }
    if (entry.seen.has(item)) {
      this.duplicates++;
      return;
    }
    entry.seen.add(item);
    entry.items.push(item);
  }

  /** Registers a user that may have no items (users.dat lines with a zero count). */
  touch(user: number): void {
    if (!this.byUser.has(user)) this.byUser.set(user, { items: [], seen: new Set() });
  }

  finish(file: string): RawInteractions {
    let pairs = 0;
    for (const e of this.byUser.values()) pairs += e.items.length;
    if (pairs === 0) throw new InputError('no interactions found', file);
    return {
      users: [...this.byUser.keys()],
      items: [...this.byUser.values()].map((e) => e.items),
      countMismatches: this.countMismatches,
      duplicates: this.duplicates,
    };
  }
}
