import type { TrainSet } from '../../data/split';

/**
 * PHR's enriched teacher input (METHOD.md §5.3, Eqs. 9–10, interacted neighbours):
 * v_e = ½ (h_T(e) + mean of h_T over e's training neighbours).
 */

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
 * Batch-neighbourhood enrichment (the authors' disabled `enrich()`) of some entities of one kind:
 * neighbours are restricted to the batch, so a user averages its items among the batch's
 * positives and negatives, an item its users among the batch's users.
 */
export function enrichBatch(
  tables: { users: Float32Array; items: Float32Array },
  d: number,
  t: TrainSet,
  byItem: ItemUsers,
  kind: 'user' | 'item',
  ids: Int32Array,
  batch: { users: Int32Array; items: Int32Array[] },
): Float32Array {
  const inBatch = new Set<number>(
    kind === 'user' ? batch.items.flatMap((s) => Array.from(s)) : batch.users,
  );
  const [self, other] =
    kind === 'user' ? [tables.users, tables.items] : [tables.items, tables.users];
  const [ptr, adj] = kind === 'user' ? [t.userPtr, t.items] : [byItem.itemPtr, byItem.users];
  const own = new Float32Array(ids.length * d);
  ids.forEach((e, k) => own.set(self.subarray(e * d, (e + 1) * d), k * d));
  return enrichRows(own, other, d, ids.length, (r, visit) => {
    const e = ids[r];
    for (let p = ptr[e]; p < ptr[e + 1]; p++) if (inBatch.has(adj[p])) visit(adj[p]);
  });
}
