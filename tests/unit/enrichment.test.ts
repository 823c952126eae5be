import { describe, expect, it } from 'vitest';
import type { TrainSet } from '../../main/data/split';
import { enrichBatch, enrichFull, itemUsers } from '../../main/engine/kd/enrichment';

// Two users, three items, d = 1: user 0 has items {0, 1}, user 1 has items {1, 2}.
const train: TrainSet = {
  nUsers: 2,
  nItems: 3,
  userPtr: Int32Array.from([0, 2, 4]),
  items: Int32Array.from([0, 1, 1, 2]),
};
const tables = { users: Float32Array.from([10, 20]), items: Float32Array.from([1, 2, 4]) };

describe('PHR input enrichment (§5.3)', () => {
  it('full neighbourhood: ½(own + mean of interacted neighbours)', () => {
    const v = enrichFull(tables.users, tables.items, 1, train);
    expect(Array.from(v.users)).toEqual([0.5 * (10 + 1.5), 0.5 * (20 + 3)]);
    expect(Array.from(v.items)).toEqual([0.5 * (1 + 10), 0.5 * (2 + 15), 0.5 * (4 + 20)]);
  });

  it('batch neighbourhood: neighbours restricted to the batch, own value when none is there', () => {
    const byItem = itemUsers(train);
    expect(Array.from(byItem.itemPtr)).toEqual([0, 1, 3, 4]);
    const batch = {
      users: Int32Array.from([0]),
      items: [Int32Array.from([1]), Int32Array.from([2])],
    };
    // User 0's batch items are {1, 2}; it interacted with 1 only.
    const users = enrichBatch(tables, 1, train, byItem, 'user', Int32Array.from([0]), batch);
    expect(Array.from(users)).toEqual([0.5 * (10 + 2)]);
    // Item 1's users in the batch: {0}; item 2's: none (user 1 is absent).
    const items = enrichBatch(tables, 1, train, byItem, 'item', Int32Array.from([1, 2]), batch);
    expect(Array.from(items)).toEqual([0.5 * (2 + 10), 4]);
  });
});
