import type { Rng } from './rng';
import type { TrainSet } from './split';

/** (user, positive, negative) triples of one epoch, shuffled, in parallel arrays. */
export interface Triples {
  users: Int32Array;
  pos: Int32Array;
  neg: Int32Array;
}

export interface Batch {
  users: Int32Array;
  pos: Int32Array;
  neg: Int32Array;
}

export function isTrainPositive(t: TrainSet, u: number, item: number): boolean {
  let lo = t.userPtr[u];
  let hi = t.userPtr[u + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = t.items[mid];
    if (v === item) return true;
    if (v < item) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * METHOD.md §1.4: every training pair gets `negatives` items drawn uniformly from the catalogue,
 * redrawn while they are training positives of the user (held-out items may be drawn), then the
 * triples are shuffled.
 */
export function sampleEpoch(t: TrainSet, rng: Rng, negatives = 1): Triples {
  const n = t.items.length * negatives;
  const users = new Int32Array(n);
  const pos = new Int32Array(n);
  const neg = new Int32Array(n);
  let k = 0;
  for (let u = 0; u < t.nUsers; u++) {
    for (let p = t.userPtr[u]; p < t.userPtr[u + 1]; p++) {
      for (let r = 0; r < negatives; r++) {
        let j: number;
        do j = rng.int(t.nItems);
        while (isTrainPositive(t, u, j));
        users[k] = u;
        pos[k] = t.items[p];
        neg[k] = j;
        k++;
      }
    }
  }
  const order = new Int32Array(n).map((_, i) => i);
  rng.shuffle(order);
  return {
    users: order.map((i) => users[i]),
    pos: order.map((i) => pos[i]),
    neg: order.map((i) => neg[i]),
  };
}

export function* batches(t: Triples, size: number): Generator<Batch> {
  for (let s = 0; s < t.users.length; s += size) {
    const e = Math.min(t.users.length, s + size);
    yield { users: t.users.subarray(s, e), pos: t.pos.subarray(s, e), neg: t.neg.subarray(s, e) };
  }
}
