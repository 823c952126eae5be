import { describe, expect, it } from 'vitest';
import type { Metrics } from '../../main/contract';
import { filterAndRemap } from '../../main/data/dataset';
import { Rng } from '../../main/data/rng';
import { buildSplit, trainSet } from '../../main/data/split';
import { synthesize } from '../../main/data/synth';
import { initBackend } from '../../main/engine/backend';
import { fit, type EpochReport } from '../../main/engine/fit';
import { replaySelection, selectEpoch } from '../../main/shared/model-selection';
import { CandidateScorer } from '../../main/engine/kernels/candidate-scorer';
import { BPR } from '../../main/engine/models/bpr';

const m = (h5: number, h10: number, h20: number, n = 0): Metrics => ({
  H5: h5,
  N5: h5 / 2 + n,
  H10: h10,
  N10: h10 / 2 + n,
  H20: h20,
  N20: h20 / 2 + n,
});

describe('early stopping and model selection (METHOD.md §2.3)', () => {
  it('h5: only a strictly better validation H@5 counts', () => {
    const best = { valid: m(0.3, 0.4, 0.5) };
    expect(
      selectEpoch('h5', 3, { valid: m(0.3, 0.9, 0.9), test: m(0, 0, 0) }, best, undefined),
    ).toEqual({ improved: false });
    expect(
      selectEpoch('h5', 3, { valid: m(0.31, 0, 0), test: m(0, 0, 0) }, best, undefined),
    ).toEqual({ improved: true });
  });

  it('any: a better H@5, H@10 or H@20 resets patience, and each K reports its own best epoch', () => {
    const e0 = selectEpoch(
      'any',
      0,
      { valid: m(0.3, 0.4, 0.5), test: m(0.2, 0.3, 0.4) },
      undefined,
      undefined,
    );
    expect(e0.improved).toBe(true);
    // Epoch 1 improves only H@10: patience resets, H@10/N@10 now come from epoch 1.
    const e1 = selectEpoch(
      'any',
      1,
      { valid: m(0.29, 0.45, 0.5, 0.01), test: m(0.1, 0.35, 0.1, 0.01) },
      undefined,
      e0.byK,
    );
    expect(e1.improved).toBe(true);
    expect(e1.report!.test).toEqual({
      H5: 0.2,
      N5: 0.1,
      H10: 0.35,
      N10: 0.185,
      H20: 0.4,
      N20: 0.2,
    });
    expect([e1.byK!['5'].epoch, e1.byK!['10'].epoch, e1.byK!['20'].epoch]).toEqual([0, 1, 0]);
    // Ties improve nothing.
    const e2 = selectEpoch(
      'any',
      2,
      { valid: m(0.3, 0.45, 0.5), test: m(0.9, 0.9, 0.9) },
      undefined,
      e1.byK,
    );
    expect(e2.improved).toBe(false);
    expect(e2.report).toEqual(e1.report);
  });

  it('replaying the selection over recorded epochs keeps what training kept', () => {
    const epochs = [
      { epoch: 0, valid: m(0.3, 0.4, 0.5), test: m(0.2, 0.3, 0.4) },
      { epoch: 1, valid: m(0.32, 0.39, 0.5), test: m(0.25, 0.3, 0.4) },
      { epoch: 2, valid: m(0.32, 0.41, 0.49), test: m(0.1, 0.1, 0.1) },
      { epoch: 3, valid: m(0.31, 0.41, 0.5), test: m(0.9, 0.9, 0.9) },
    ];
    // h5: the first epoch with the highest H@5 (a later tie does not replace it).
    expect(replaySelection('h5', epochs)).toEqual({
      bestEpoch: 1,
      sinceBest: 2,
      report: { valid: epochs[1].valid, test: epochs[1].test },
    });
    // any: the last epoch that bettered some K (epoch 2: H@10), each K from its own best epoch.
    const any = replaySelection('any', epochs);
    expect([any.bestEpoch, any.sinceBest]).toEqual([2, 1]);
    expect([any.byK!['5'].epoch, any.byK!['10'].epoch, any.byK!['20'].epoch]).toEqual([1, 2, 0]);
    expect(any.report.test).toEqual({
      H5: 0.25,
      N5: 0.125,
      H10: 0.1,
      N10: 0.05,
      H20: 0.4,
      N20: 0.2,
    });
    expect(() => replaySelection('h5', [])).toThrow(/at least one epoch/);
  });

  it('any trains at least as long as h5 from the same seed, and reports each K at its best epoch', async () => {
    await initBackend('wasm');
    const data = filterAndRemap(synthesize({ users: 300, items: 700, seed: 5 }), {
      minUser: 5,
      minItem: 0,
    });
    const split = buildSplit(data, 0);
    const run = async (earlyStop: 'h5' | 'any') => {
      const epochs: EpochReport[] = [];
      const r = await fit(
        new BPR(data.nUsers, data.nItems, 16, Rng.seeded(0, 2)),
        {
          train: trainSet(data, split),
          split,
          scorer: new CandidateScorer(split, data.nUsers, data.nItems),
        },
        {
          batchSize: 256,
          negatives: 1,
          maxEpochs: 200,
          patience: 3,
          earlyStop,
          ties: 'against',
          adam: { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4 },
        },
        Rng.seeded(0, 3),
        { onEpoch: (e) => void epochs.push(e) },
      );
      if (!r.best) throw new Error('no epoch');
      return { r, epochs };
    };
    const h5 = await run('h5');
    const any = await run('any');
    // The same seed trains the same epochs; `any` stops no earlier.
    expect(any.epochs.slice(0, h5.epochs.length).map((e) => e.valid)).toEqual(
      h5.epochs.map((e) => e.valid),
    );
    expect(any.r.epochsRun).toBeGreaterThanOrEqual(h5.r.epochsRun);
    const bestAt = (k: 'H5' | 'H10' | 'H20') =>
      any.epochs.reduce((b, e) => (e.valid[k] > b.valid[k] ? e : b));
    expect(any.r.best!.test.H10).toBe(bestAt('H10').test.H10);
    expect(any.r.best!.test.N20).toBe(bestAt('H20').test.N20);
    expect(any.r.best!.test.H5).toBe(bestAt('H5').test.H5);
    // It stopped `patience` epochs after the last epoch that improved any K.
    expect(any.r.epochsRun).toBe(any.r.bestEpoch! + 1 + 3);
  });
});
