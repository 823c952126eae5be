import type { TrainSet } from '../../data/split';

/**
 * PHR's enriched teacher input (METHOD.md §5.3, Eqs. 9–10, interacted neighbours):
 * v_e = ½ (h_T(e) + mean of h_T over e's training neighbours).
 */
export const PHR_ENRICHMENTS = ['none', 'full', 'batch'] as const;
export type PhrEnrichment = (typeof PHR_ENRICHMENTS)[number];

/** Item → users adjacency of the training interactions. */
export interface ItemUsers {
  itemPtr: Int32Array;
  users: Int32Array;
}

export function itemUsers(t: TrainSet): ItemUsers {
  const itemPtr = new Int32Array(t.nItems + 1);
  for (const i of t.items) itemPtr[i + 1]++;
  for (let i = 0; i < t.nItems; i++) itemPtr[i + 1] += itemPtr[i];
  const fill = itemPtr.slice(0, t.nItems);
  const users = new Int32Array(t.items.length);
  for (let u = 0; u < t.nUsers; u++) {
    for (let p = t.userPtr[u]; p < t.userPtr[u + 1]; p++) users[fill[t.items[p]]++] = u;
  }
  return { itemPtr, users };
}

function enrichRows(
  self: Float32Array,
  other: Float32Array,
  d: number,
  rows: number,
  neighbours: (r: number, visit: (j: number) => void) => void,
): Float32Array {
  const out = new Float32Array(rows * d);
  const mean = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    mean.fill(0);
    let count = 0;
    neighbours(r, (j) => {
      count++;
      for (let k = 0; k < d; k++) mean[k] += other[j * d + k];
    });
    for (let k = 0; k < d; k++) {
      const s = self[r * d + k];
      // No neighbour: the entity keeps its own representation (½ (h + h)).
      out[r * d + k] = count === 0 ? s : 0.5 * (s + mean[k] / count);
    }
  }
  return out;
}

/** Full-neighbourhood enrichment, precomputed once (the teacher is frozen). */
export function enrichFull(
  users: Float32Array,
  items: Float32Array,
  d: number,
  t: TrainSet,
  byItem: ItemUsers = itemUsers(t),
): { users: Float32Array; items: Float32Array } {
  return {
    users: enrichRows(users, items, d, t.nUsers, (u, visit) => {
      for (let p = t.userPtr[u]; p < t.userPtr[u + 1]; p++) visit(t.items[p]);
    }),
    items: enrichRows(items, users, d, t.nItems, (i, visit) => {
      for (let p = byItem.itemPtr[i]; p < byItem.itemPtr[i + 1]; p++) visit(byItem.users[p]);
    }),
  };
}

/**
 * Batch-neighbourhood enrichment (the authors' disabled `enrich()`): neighbours restricted to
 * entities of the current batch: a user averages its items among the batch's positives and
 * negatives, an item its users among the batch's users.
 */
export function enrichBatch(
  tables: { users: Float32Array; items: Float32Array },
  d: number,
  t: TrainSet,
  byItem: ItemUsers,
  ids: { users: Int32Array; items: Int32Array; batchUsers: Int32Array; batchItems: Int32Array[] },
): { users: Float32Array; items: Float32Array } {
  const inUsers = new Set(ids.batchUsers);
  const inItems = new Set<number>();
  for (const set of ids.batchItems) for (const i of set) inItems.add(i);
  const pick = (table: Float32Array, rows: Int32Array) => {
    const out = new Float32Array(rows.length * d);
    rows.forEach((r, k) => out.set(table.subarray(r * d, (r + 1) * d), k * d));
    return out;
  };
  const gatherOther = (table: Float32Array, visitIds: number[]) => {
    const out = new Float32Array(visitIds.length * d);
    visitIds.forEach((j, k) => out.set(table.subarray(j * d, (j + 1) * d), k * d));
    return out;
  };
  const enrichSet = (
    self: Float32Array,
    rows: Int32Array,
    other: Float32Array,
    neighbours: (r: number) => number[],
  ) => {
    const own = pick(self, rows);
    const lists = Array.from(rows, neighbours);
    const flatIds = lists.flat();
    const otherRows = gatherOther(other, flatIds);
    let offset = 0;
    const offsets = lists.map((l) => {
      const o = offset;
      offset += l.length;
      return o;
    });
    return enrichRows(own, otherRows, d, rows.length, (r, visit) => {
      for (let k = 0; k < lists[r].length; k++) visit(offsets[r] + k);
    });
  };
  return {
    users: enrichSet(tables.users, ids.users, tables.items, (u) => {
      const out: number[] = [];
      for (let p = t.userPtr[u]; p < t.userPtr[u + 1]; p++)
        if (inItems.has(t.items[p])) out.push(t.items[p]);
      return out;
    }),
    items: enrichSet(tables.items, ids.items, tables.users, (i) => {
      const out: number[] = [];
      for (let p = byItem.itemPtr[i]; p < byItem.itemPtr[i + 1]; p++)
        if (inUsers.has(byItem.users[p])) out.push(byItem.users[p]);
      return out;
    }),
  };
}
