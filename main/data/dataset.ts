import { InputError } from '../errors';
import type { RawInteractions } from './raw';

/** A filtered, remapped implicit-feedback dataset in CSR form (users × items). */
export interface Dataset {
  nUsers: number;
  nItems: number;
  /** userPtr[u]..userPtr[u+1] indexes `items`; each user's items keep first-appearance order. */
  userPtr: Int32Array;
  items: Int32Array;
  /** The file's own id of each user and item (numbers or strings such as `A3E334…`). */
  rawUserIds: string[];
  rawItemIds: string[];
}

export interface FilterOptions {
  minUser: number;
  minItem: number;
}

export const DEFAULT_FILTER: FilterOptions = { minUser: 5, minItem: 0 };

/**
 * METHOD.md §1.2: keep users with ≥ minUser interactions, number users in file order and items in
 * order of first appearance among kept users. With minItem > 0 both rules are applied until
 * stable (a k-core), since dropping items can push users below the threshold.
 */
export function filterAndRemap(raw: RawInteractions, opts: FilterOptions): Dataset {
  if (opts.minUser < 3) {
    throw new InputError('min-user must be at least 3 (two items are held out per user)');
  }
  let lists = raw.items;
  let users = raw.users;
  for (;;) {
    const keep = lists.map((l) => l.length >= opts.minUser);
    users = users.filter((_, k) => keep[k]);
    lists = lists.filter((_, k) => keep[k]);
    if (opts.minItem <= 0) break;
    const deg = new Map<number, number>();
    for (const l of lists) for (const i of l) deg.set(i, (deg.get(i) ?? 0) + 1);
    let dropped = false;
    lists = lists.map((l) => {
      const kept = l.filter((i) => (deg.get(i) ?? 0) >= opts.minItem);
      if (kept.length !== l.length) dropped = true;
      return kept;
    });
    if (!dropped) break;
  }
  if (users.length === 0) {
    throw new InputError(`no user has at least ${opts.minUser} interactions after filtering`);
  }
  const itemIndex = new Map<number, number>();
  const rawItemIds: string[] = [];
  let nnz = 0;
  for (const l of lists) nnz += l.length;
  const userPtr = new Int32Array(users.length + 1);
  const items = new Int32Array(nnz);
  let p = 0;
  lists.forEach((l, u) => {
    for (const code of l) {
      let id = itemIndex.get(code);
      if (id === undefined) {
        id = rawItemIds.length;
        itemIndex.set(code, id);
        rawItemIds.push(raw.itemIds[code]);
      }
      items[p++] = id;
    }
    userPtr[u + 1] = p;
  });
  return {
    nUsers: users.length,
    nItems: rawItemIds.length,
    userPtr,
    items,
    rawUserIds: users,
    rawItemIds,
  };
}

export function userItems(d: Pick<Dataset, 'userPtr' | 'items'>, u: number): Int32Array {
  return d.items.subarray(d.userPtr[u], d.userPtr[u + 1]);
}
