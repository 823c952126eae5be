import { InputError } from '../errors';
import { userItems, type Dataset } from './dataset';
import { Rng } from './rng';

export const DEFAULT_CANDIDATES = 499;

/** METHOD.md §1.3: one validation item, one test item and unobserved candidates per user. */
export interface Split {
  seed: number;
  nCandidates: number;
  valid: Int32Array;
  test: Int32Array;
  /** nUsers × nCandidates, row-major. */
  candidates: Int32Array;
}

/**
 * Deterministic leave-one-out split. Candidates are drawn first (uniformly, without replacement,
 * from items the user never interacted with, held-out items included), then the two held-out
 * items, as in the spec.
 */
export function buildSplit(d: Dataset, seed: number, nCandidates = DEFAULT_CANDIDATES): Split {
  const rng = Rng.seeded(seed, 1);
  const valid = new Int32Array(d.nUsers);
  const test = new Int32Array(d.nUsers);
  const candidates = new Int32Array(d.nUsers * nCandidates);
  // stamp[i] === u + 1 marks item i as owned or already drawn for user u, without clearing.
  const stamp = new Int32Array(d.nItems);
  for (let u = 0; u < d.nUsers; u++) {
    const own = userItems(d, u);
    if (own.length < 3) {
      throw new InputError(`user ${u} has ${own.length} items; the split needs at least 3`);
    }
    const free = d.nItems - own.length;
    if (free < nCandidates) {
      throw new InputError(
        `user ${u} has only ${free} unobserved items; ${nCandidates} candidates are needed`,
      );
    }
    const mark = u + 1;
    for (const i of own) stamp[i] = mark;
    const row = candidates.subarray(u * nCandidates, (u + 1) * nCandidates);
    if (free < 2 * nCandidates) {
      // Dense case: partial Fisher–Yates over the complement avoids long rejection runs.
      const pool = new Int32Array(free);
      for (let i = 0, p = 0; i < d.nItems; i++) if (stamp[i] !== mark) pool[p++] = i;
      for (let c = 0; c < nCandidates; c++) {
        const j = c + rng.int(free - c);
        const t = pool[c];
        pool[c] = pool[j];
        pool[j] = t;
        row[c] = pool[c];
      }
    } else {
      for (let c = 0; c < nCandidates;) {
        const i = rng.int(d.nItems);
        if (stamp[i] === mark) continue;
        stamp[i] = mark;
        row[c++] = i;
      }
    }
    const a = rng.int(own.length);
    let b = rng.int(own.length - 1);
    if (b >= a) b++;
    valid[u] = own[a];
    test[u] = own[b];
  }
  return { seed, nCandidates, valid, test, candidates };
}

/** Training interactions: each user's items minus its two held-out items, sorted by item id. */
export interface TrainSet {
  nUsers: number;
  nItems: number;
  userPtr: Int32Array;
  items: Int32Array;
}

export function trainSet(d: Dataset, s: Split): TrainSet {
  const userPtr = new Int32Array(d.nUsers + 1);
  const items = new Int32Array(d.items.length - 2 * d.nUsers);
  let p = 0;
  for (let u = 0; u < d.nUsers; u++) {
    const start = p;
    for (const i of userItems(d, u)) if (i !== s.valid[u] && i !== s.test[u]) items[p++] = i;
    items.subarray(start, p).sort();
    userPtr[u + 1] = p;
  }
  return { nUsers: d.nUsers, nItems: d.nItems, userPtr, items };
}
