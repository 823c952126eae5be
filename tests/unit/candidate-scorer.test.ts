import { describe, expect, it } from 'vitest';
import { Rng } from '../../main/data/rng';
import type { Split } from '../../main/data/split';
import { CandidateScorer, slotsPerUser } from '../../main/engine/kernels/candidate-scorer';
import { expectClose } from '../support/golden';

function randomSplit(nUsers: number, nItems: number, nCandidates: number, rng: Rng): Split {
  const pick = (n: number) => Int32Array.from({ length: n }, () => rng.int(nItems));
  return {
    seed: 0,
    nCandidates,
    valid: pick(nUsers),
    test: pick(nUsers),
    candidates: pick(nUsers * nCandidates),
  };
}

describe('CandidateScorer (WebAssembly SIMD dot products)', () => {
  it.each([1, 3, 8, 13, 20, 33])('matches naive dot products at d = %i', (d) => {
    const rng = Rng.seeded(d);
    const nUsers = 17;
    const nItems = 40;
    const split = randomSplit(nUsers, nItems, 6, rng);
    const U = Float32Array.from({ length: nUsers * d }, () => rng.normal());
    const V = Float32Array.from({ length: nItems * d }, () => rng.normal());
    const scorer = new CandidateScorer(split, nUsers, nItems);
    const got = scorer.score(U, V, d);
    const per = slotsPerUser(split);
    const want: number[] = [];
    for (let u = 0; u < nUsers; u++) {
      const items = [
        split.test[u],
        split.valid[u],
        ...split.candidates.subarray(u * 6, (u + 1) * 6),
      ];
      for (const i of items) {
        let s = 0;
        for (let k = 0; k < d; k++) s += U[u * d + k] * V[i * d + k];
        want.push(s);
      }
    }
    expect(got.length).toBe(nUsers * per);
    expectClose(got, want, 1e-5, 1e-5, 'score');
    // A second call with new tables reuses the pair list.
    V.fill(0);
    expect(Array.from(scorer.score(U, V, d)).every((x) => x === 0)).toBe(true);
  });
});
