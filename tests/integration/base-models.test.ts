import { describe, expect, it } from 'vitest';
import { synthDataset } from '../../main/ops/datasets';
import { runDistill } from '../../main/ops/distill';
import type { DistillMethod } from '../../main/contract';
import { runTraining } from '../../main/ops/train';
import { listArtifacts } from '../../main/store/artifacts';
import { Store } from '../../main/store/db';
import { readArrayFile } from '../../main/store/array-file';
import { join } from 'node:path';
import { tempDir } from '../support/tmp';

const FAST = { batch: 256, maxEpochs: 2, patience: 100, lr: 0.01, reg: 1e-4 };

/** A small student of `teacher` (4 dimensions, 2 TAs, 3 experts). */
const distil = (s: Store, teacher: number, method: DistillMethod, epochs = 2) =>
  runDistill(s, {
    dataset: 'demo',
    teacher,
    method,
    studentDim: 4,
    numTas: 2,
    experts: 3,
    ...FAST,
    maxEpochs: epochs,
  });

describe.each(['NeuMF', 'LightGCN', 'NGCF', 'SGL'] as const)('%s end to end', (model) => {
  it('trains as a teacher and is distilled with every method', async () => {
    const s = new Store(tempDir());
    synthDataset(s, { name: 'demo', users: 300, items: 650, seed: 5 });
    const t = await runTraining(s, { dataset: 'demo', model, dim: 16, ...FAST });
    expect(t.run.status).toBe('completed');
    expect(t.run.summary!.test.H5).toBeGreaterThan(0);
    for (const method of ['DE', 'HyperKDMA-DE'] as const) {
      const d = await distil(s, t.run.id, method);
      expect(d.run).toMatchObject({ status: 'completed', model, method });
      const kinds = listArtifacts(s, d.run.id).map((a) => a.kind);
      expect(kinds).toContain('embeddings');
      if (method === 'HyperKDMA-DE') expect(kinds).toContain('gates');
    }
    // The other methods for one epoch each (TAKD and DGKD train their TA runs first).
    for (const method of ['PHR', 'HyperKDMA-PHR', 'TAKD-DE', 'DGKD-PHR'] as const) {
      const d = await distil(s, t.run.id, method, 1);
      expect(d.run, method).toMatchObject({ status: 'completed', model, method });
    }
    s.close();
  }, 180_000);
});

describe('model options', () => {
  it('are stored with the run and passed on to its students', async () => {
    const s = new Store(tempDir());
    synthDataset(s, { name: 'demo', users: 200, items: 650, seed: 6 });
    const t = await runTraining(s, {
      dataset: 'demo',
      model: 'LightGCN',
      dim: 12,
      layers: 2,
      embReg: 2e-4,
      ...FAST,
      maxEpochs: 1,
    });
    expect(t.run.config).toMatchObject({ layers: 2, embReg: 2e-4 });
    const d = await distil(s, t.run.id, 'DE', 1);
    expect(d.run.config.modelOptions).toEqual({ layers: 2, embReg: 2e-4 });
    s.close();
  }, 60_000);

  it.each([
    ['NeuMF', 'gmf+mlp', 2 * 4],
    ['NGCF', 'concat', (3 + 1) * 4],
  ] as const)(
    '%s distils %s rows with DE and HyperKDMA+DE',
    async (model, kdRep, width) => {
      const s = new Store(tempDir());
      synthDataset(s, { name: 'demo', users: 200, items: 650, seed: 7 });
      const t = await runTraining(s, {
        dataset: 'demo',
        model,
        dim: 12,
        kdRep,
        ...FAST,
        maxEpochs: 1,
      });
      for (const method of ['DE', 'HyperKDMA-DE'] as const) {
        const d = await distil(s, t.run.id, method, 1);
        expect(d.run.status).toBe('completed');
        expect(d.run.config.modelOptions).toEqual({ kdRep });
        const emb = listArtifacts(s, d.run.id).find((a) => a.kind === 'embeddings')!;
        expect(readArrayFile(join(s.home, emb.path)).get('users').length).toBe(200 * width);
      }
      s.close();
    },
    60_000,
  );
});
