import { describe, expect, it } from 'vitest';
import { parseDistillConfig } from '../../main/ops/distill-config';
import { runDistill, sameDistillRuns } from '../../main/ops/distill';
import { synthDataset } from '../../main/ops/datasets';
import { runTraining } from '../../main/ops/train';
import { Store } from '../../main/store/db';
import { getEpochs } from '../../main/store/runs';
import { tempDir } from '../support/tmp';

// HyperKDMA's TA modes and the settings added with them, as runs: what they store, what they
// reuse, what they refuse, and that `code` is exactly DE.

async function home() {
  const store = new Store(tempDir());
  synthDataset(store, { name: 'demo', users: 120, items: 600, seed: 4 });
  const common = { lr: 0.01, reg: 1e-4, batch: 256, maxEpochs: 2, patience: 5 };
  await runTraining(store, { dataset: 'demo', model: 'BPR', dim: 16, label: 'T', ...common });
  const student = { dataset: 'demo', teacher: 'T', studentDim: 4, experts: 3, ...common };
  return { store, student };
}

describe('HyperKDMA TA modes as runs', () => {
  it('code mode trains exactly the DE student (same losses, metrics and result)', async () => {
    const { store, student } = await home();
    const de = await runDistill(store, { ...student, method: 'DE' });
    const code = await runDistill(store, {
      ...student,
      method: 'HyperKDMA-DE',
      numTas: 2,
      taMode: 'code',
    });
    expect(code.run.status).toBe('completed');
    expect(code.run.summary?.test).toEqual(de.run.summary?.test);
    const strip = (id: number) =>
      getEpochs(store, id).map((e) => ({ kd: e.losses.kd, total: e.losses.total, valid: e.valid }));
    expect(strip(code.run.id)).toEqual(strip(de.run.id));
    expect(code.run.config.taMode).toBe('code');
    // Settings at their default stay out of a run's identity, so runs stored before them match.
    expect(Object.keys(de.run.config)).not.toContain('annealEpochs');
    expect(Object.keys(de.run.config)).not.toContain('taMode');
    store.close();
  });

  it('every variant trains, is its own run, and records its settings', async () => {
    const { store, student } = await home();
    const hyper = { ...student, method: 'HyperKDMA-DE' as const, numTas: 2, maxEpochs: 1 };
    const variants = [
      { taMode: 'frozen' },
      { taMode: 'detached' },
      { taMode: 'normalised' },
      { taMode: 'anchored', taAnchor: 0.1 },
      { hyperLr: 0.1, hyperDecay: 0 },
      { annealEpochs: 50 },
    ] as const;
    for (const v of variants) {
      const r = await runDistill(store, { ...hyper, ...v });
      expect(r.run.status, JSON.stringify(v)).toBe('completed');
      expect(r.run.config).toMatchObject(v);
      const [epoch] = getEpochs(store, r.run.id);
      expect(epoch.diagnostics?.['ta0.norm'], JSON.stringify(v)).toBeGreaterThan(0);
      if ('taAnchor' in v) expect(epoch.losses.anchor).toBeGreaterThan(0);
    }
    // None of them stands in for the paper's objective.
    expect(sameDistillRuns(store, parseDistillConfig(hyper))).toHaveLength(0);
    expect(sameDistillRuns(store, parseDistillConfig({ ...hyper, ...variants[2] }))).toHaveLength(
      1,
    );
    store.close();
  });

  it('refuses a setting where it would do nothing', async () => {
    const { store, student } = await home();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ method: 'DE', taMode: 'frozen' }, /DE has no generated TAs: taMode/],
      [{ method: 'TAKD-DE', hyperLr: 0.1 }, /TAKD-DE has no generated TAs: hyperLr/],
      [{ method: 'HyperKDMA-DE', taMode: 'anchored' }, /needs taAnchor/],
      [{ method: 'HyperKDMA-DE', taAnchor: 1 }, /taAnchor applies to taMode anchored/],
      [
        { method: 'HyperKDMA-DE', taMode: 'detached', taSource: 'pretrained' },
        /changes nothing with pretrained TAs/,
      ],
      [{ method: 'PHR', annealEpochs: 10 }, /PHR has none/],
    ];
    for (const [over, message] of cases)
      await expect(runDistill(store, { ...student, ...over })).rejects.toThrow(message);
    store.close();
  });
});
