import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthDataset } from '../../main/ops/datasets';
import { runDistill } from '../../main/ops/distill';
import { createSweep, gridCells, sweepList, sweepView } from '../../main/ops/sweeps';
import { runTraining } from '../../main/ops/train';
import { Runner } from '../../main/runner/runner';
import { forkTrainer } from '../../main/runner/trainer-protocol';
import { Store } from '../../main/store/db';
import { getRun, listRuns } from '../../main/store/runs';
import { SweepSpecSchema, type SweepSpecInput } from '../../main/contract';
import { tempDir } from '../support/tmp';

const TRAINER = join(__dirname, '..', '..', 'out', 'main', 'trainer.js');
const FAST = { lr: 0.01, reg: 1e-4, batch: 128, maxEpochs: 2, patience: 100 };

function freshStore(): Store {
  const s = new Store(tempDir());
  synthDataset(s, { name: 'demo', users: 300, items: 650, seed: 3 });
  return s;
}

const SPEC: SweepSpecInput = {
  name: 'lambda',
  dataset: 'demo',
  teacher: 'teacher',
  studentDim: 4,
  methods: ['DE', 'Student'],
  axes: [{ param: 'lambdaT', values: [0.01, 0.1] }],
  seeds: [0, 1],
  settings: { ...FAST, experts: 3 },
};

describe('sweeps', () => {
  it('lists the grid: every combination of the axes, the first outermost', () => {
    const spec = SweepSpecSchema.parse({
      ...SPEC,
      axes: [
        { param: 'numTas', values: [1, 2] },
        { param: 'lr', values: [0.1, 0.2, 0.3] },
      ],
    });
    expect(gridCells(spec)).toEqual([
      { numTas: 1, lr: 0.1 },
      { numTas: 1, lr: 0.2 },
      { numTas: 1, lr: 0.3 },
      { numTas: 2, lr: 0.1 },
      { numTas: 2, lr: 0.2 },
      { numTas: 2, lr: 0.3 },
    ]);
  });

  it('refuses a definition that cannot be trained, naming the cell', async () => {
    const s = freshStore();
    await runTraining(s, { dataset: 'demo', model: 'BPR', dim: 8, label: 'teacher', ...FAST });
    await expect(
      createSweep(s, { ...SPEC, axes: [{ param: 'studentDim', values: [4, 8] }] }, false),
    ).rejects.toThrow(/DE student-dim=8: the student \(8\) must be smaller than the teacher \(8\)/);
    await expect(createSweep(s, { ...SPEC, teacherDim: 40 }, false)).rejects.toThrow(
      /teacher run or teacher sizes, not both/,
    );
    await expect(
      createSweep(s, { ...SPEC, axes: [{ param: 'lambdaT', values: [-1] }] }, false),
    ).rejects.toThrow(/DE lambda-t=-1: invalid distillation config: lambdaT/);
    expect(await sweepList(s)).toEqual([]);
  });

  it('sweeps a HyperKDMA variant setting and leaves the other methods as they are', async () => {
    const s = freshStore();
    await runTraining(s, { dataset: 'demo', model: 'BPR', dim: 16, label: 'teacher', ...FAST });
    const spec: SweepSpecInput = {
      ...SPEC,
      name: 'decay',
      methods: ['DE', 'PHR', 'HyperKDMA-DE'],
      axes: [{ param: 'hyperDecay', values: [0, 0.01] }],
      seeds: [0],
      settings: { ...FAST, experts: 3, numTas: 1, taMode: 'normalised', annealEpochs: 50 },
    };
    const made = await createSweep(s, spec, true);
    // DE and PHR once each (the decay is not theirs), HyperKDMA+DE at both decays.
    expect(made.queued).toHaveLength(4);
    const configs = made.queued.map((id) => getRun(s, id).config as Record<string, unknown>);
    const of = (m: string) => configs.filter((c) => c.method === m);
    expect(of('DE')).toEqual([expect.objectContaining({ annealEpochs: 50 })]);
    expect(of('DE')[0]).not.toHaveProperty('taMode');
    expect(of('PHR')[0]).not.toHaveProperty('annealEpochs');
    expect(of('HyperKDMA-DE').map((c) => [c.taMode, c.hyperDecay, c.annealEpochs])).toEqual([
      ['normalised', 0, 50],
      ['normalised', 0.01, 50],
    ]);
    expect(getRun(s, made.queued[0]).label).toMatch(/^decay: DE \(seed 0\)$/);
    s.close();
  });

  it('a 2 × 2 sweep over two seeds queues what is missing, reuses an identical run, and pools seeds', async () => {
    const s = freshStore();
    const teacher = (
      await runTraining(s, { dataset: 'demo', model: 'BPR', dim: 24, label: 'teacher', ...FAST })
    ).run;
    // The cell DE λ_T = 0.01, seed 0, trained before the sweep existed (another label).
    const before = (
      await runDistill(s, {
        dataset: 'demo',
        teacher: teacher.id,
        method: 'DE',
        studentDim: 4,
        lambdaT: 0.01,
        experts: 3,
        label: 'by hand',
        ...FAST,
      })
    ).run;

    const dry = await createSweep(s, SPEC, false);
    expect(dry.runs).toEqual([before.id]);
    expect(dry.queued).toEqual([]);

    const made = await createSweep(s, SPEC, true);
    // Seed 1's teacher, DE at λ_T 0.1 (seed 0), the plain student (one run: λ_T is not its),
    // and seed 1's three.
    expect(made.queued).toHaveLength(6);
    expect(made.runs).toContain(before.id);
    const runner = new Runner(s, { launch: forkTrainer(TRAINER) });
    runner.start();
    await runner.whenIdle();
    expect(listRuns(s).map((r) => r.status)).toEqual(Array(8).fill('completed'));

    const view = await sweepView(s, made.sweepId);
    expect(view.completed).toBe(view.total);
    // Its teacher, given by label, is kept as the run it named.
    expect(view.spec.teacher).toBe(teacher.id);
    expect(view.cells.map((c) => [c.params.lambdaT, c.method])).toEqual([
      [0.01, 'DE'],
      [0.01, 'Student'],
      [0.1, 'DE'],
      [0.1, 'Student'],
    ]);
    const de01 = view.cells[0];
    expect(de01.runs.find((r) => r.seed === 0)?.id).toBe(before.id);
    // The plain student does not take λ_T: both cells are the same two runs.
    expect(view.cells[1].runs).toEqual(view.cells[3].runs);
    for (const c of view.cells) {
      const h5 = c.runs.map((r) => getRun(s, r.id).summary!.test.H5);
      expect(h5).toHaveLength(2);
      const mean = (h5[0] + h5[1]) / 2;
      expect(c.H5.n).toBe(2);
      expect(c.H5.mean).toBeCloseTo(mean, 12);
      expect(c.H5.sd).toBeCloseTo(Math.abs(h5[0] - h5[1]) / Math.SQRT2, 12);
      expect(c.missingSeeds).toEqual([]);
    }
    // Seed 1's student learned from seed 1's teacher, a twin of the given one.
    const seed1 = getRun(s, de01.runs.find((r) => r.seed === 1)!.id);
    const twin = getRun(s, seed1.teacherRunId!);
    expect(twin.seed).toBe(1);
    expect(twin.config).toMatchObject({ dim: 24, lr: 0.01 });

    // Queueing again finds everything there.
    expect((await createSweep(s, SPEC, true)).queued).toEqual([]);
    // Runs belong to every sweep that describes them: the first, created before, is full too.
    // Four cells × two seeds, six runs: the plain student's two fill both λ_T columns.
    expect((await sweepList(s)).map((x) => `${x.completed}/${x.total}`)).toEqual([
      '6/6',
      '6/6',
      '6/6',
    ]);
  }, 180_000);
});
