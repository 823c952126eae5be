import { beforeAll, describe, expect, it } from 'vitest';
import { filterAndRemap } from '../../main/data/dataset';
import { Rng } from '../../main/data/rng';
import { buildSplit, trainSet } from '../../main/data/split';
import { synthesize } from '../../main/data/synth';
import { initBackend } from '../../main/engine/backend';
import { GradScope } from '../../main/engine/grad-scope';
import { CandidateScorer } from '../../main/engine/kernels/candidate-scorer';
import { BPR } from '../../main/engine/models/bpr';
import { fit } from '../../main/engine/fit';
import { expectClose, flat, G } from '../support/golden';
import { expectFlatTensorCount } from '../support/tensor-count';

const batchOf = (rows: number[][]) => ({
  users: Int32Array.from(rows.map((r) => r[0])),
  pos: Int32Array.from(rows.map((r) => r[1])),
  neg: Int32Array.from(rows.map((r) => r[2])),
});

function goldenBpr(): BPR {
  const m = new BPR(G.config.n_users, G.config.n_items, G.config.d_S, Rng.seeded(0));
  m.user.data.set(flat(G.params.student.user_emb));
  m.item.data.set(flat(G.params.student.item_emb));
  return m;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe.each(['wasm', 'cpu'] as const)('BPR on the %s backend (METHOD.md §4.1)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('loss matches the golden value (sum over triples, duplicates kept)', () => {
    const m = goldenBpr();
    const v = GradScope.step((s) => m.loss(s, batchOf(G.inputs.batch)));
    expect(v.total).toBeCloseTo(G.cases.bpr.loss, 5);
    expect(v.terms.bpr).toBeCloseTo(G.cases.bpr.loss, 5);
  });

  it('gradient matches the analytic BPR gradient, including absent rows (zero)', () => {
    const m = goldenBpr();
    const rows: number[][] = G.inputs.batch;
    GradScope.step((s) => m.loss(s, batchOf(rows)));
    const d = G.config.d_S;
    const P = Array.from(m.user.data);
    const Q = Array.from(m.item.data);
    const gu = new Array(P.length).fill(0);
    const gi = new Array(Q.length).fill(0);
    for (const [u, p, n] of rows) {
      let sp = 0;
      let sn = 0;
      for (let k = 0; k < d; k++) {
        sp += P[u * d + k] * Q[p * d + k];
        sn += P[u * d + k] * Q[n * d + k];
      }
      // d/dx softplus(sn − sp) = σ(sn − sp) · d(sn − sp)/dx
      const w = sigmoid(sn - sp);
      for (let k = 0; k < d; k++) {
        gu[u * d + k] += w * (Q[n * d + k] - Q[p * d + k]);
        gi[n * d + k] += w * P[u * d + k];
        gi[p * d + k] -= w * P[u * d + k];
      }
    }
    expectClose(m.user.grad, gu, 1e-5, 1e-5, 'user grad');
    expectClose(m.item.grad, gi, 1e-5, 1e-5, 'item grad');
    // User 3 and item 6 never appear in the batch.
    expect(Array.from(m.user.grad.subarray(3 * d, 4 * d))).toEqual([0, 0, 0]);
    expect(Array.from(m.item.grad.subarray(6 * d, 7 * d))).toEqual([0, 0, 0]);
    expect(m.user.grad.some((x) => x !== 0)).toBe(true);
  });

  it('keeps the tensor count flat across steps and epochs', async () => {
    const data = filterAndRemap(synthesize({ users: 60, items: 600, seed: 1 }), {
      minUser: 5,
      minItem: 0,
    });
    const split = buildSplit(data, 0);
    const train = trainSet(data, split);
    const m = new BPR(data.nUsers, data.nItems, 8, Rng.seeded(1));
    await expectFlatTensorCount(m, train);
  });
});

describe('training BPR end to end', () => {
  it('learns a synthetic dataset far above random and early-stops on validation H@5', async () => {
    await initBackend('wasm');
    const data = filterAndRemap(synthesize({ users: 300, items: 700, seed: 3 }), {
      minUser: 5,
      minItem: 0,
    });
    const split = buildSplit(data, 0);
    const m = new BPR(data.nUsers, data.nItems, 16, Rng.seeded(0, 2));
    const reports: number[] = [];
    const r = await fit(
      m,
      {
        train: trainSet(data, split),
        split,
        scorer: new CandidateScorer(split, data.nUsers, data.nItems),
      },
      {
        batchSize: 256,
        negatives: 1,
        maxEpochs: 400,
        patience: 5,
        ties: 'against',
        adam: { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4 },
      },
      Rng.seeded(0, 3),
      { onEpoch: (e) => void reports.push(e.valid.H5) },
    );
    expect(r.stoppedBy).toBe('patience');
    if (!r.best) throw new Error('no best epoch');
    expect(r.epochsRun).toBe(r.bestEpoch + 1 + 5);
    expect(Math.max(...reports)).toBe(r.best.valid.H5);
    // Random ranking among 500 items gives H@5 = 0.01.
    expect(r.best.test.H5).toBeGreaterThan(0.1);
  });

  it('stops a run whose loss becomes non-finite before it updates any parameter', async () => {
    await initBackend('wasm');
    const data = filterAndRemap(synthesize({ users: 60, items: 600, seed: 3 }), {
      minUser: 5,
      minItem: 0,
    });
    const split = buildSplit(data, 0);
    const m = new BPR(data.nUsers, data.nItems, 4, Rng.seeded(0, 2));
    m.params[0].data[7] = NaN;
    const before = Float32Array.from(m.params[0].data);
    const run = fit(
      m,
      {
        train: trainSet(data, split),
        split,
        scorer: new CandidateScorer(split, data.nUsers, data.nItems),
      },
      { ...FIT_OPTIONS, batchSize: 1 << 20, maxEpochs: 3, patience: 3 },
      Rng.seeded(0, 3),
    );
    await expect(run).rejects.toThrow(/the loss became NaN at batch 1 .*diverged/);
    expect(Array.from(m.params[0].data)).toEqual(Array.from(before));
  });
});

const FIT_OPTIONS = {
  negatives: 1,
  ties: 'against' as const,
  adam: { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4 },
};
