import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { filterAndRemap } from '../../main/data/dataset';
import { Rng } from '../../main/data/rng';
import { buildSplit, trainSet } from '../../main/data/split';
import { synthesize } from '../../main/data/synth';
import { Adam } from '../../main/engine/adam';
import { initBackend } from '../../main/engine/backend';
import { GradScope } from '../../main/engine/grad-scope';
import { gumbelFrom } from '../../main/engine/kd/de';
import { DistilledStudent } from '../../main/engine/kd/distilled-student';
import type { PhrEnrichment } from '../../main/contract';
import type { KDFlavour } from '../../main/contract';
import { frozenGuide, GuideKD } from '../../main/engine/kd/guide';
import { GuidedDistiller } from '../../main/engine/kd/guided';
import { HyperKDMA, type TaSource } from '../../main/engine/kd/hyperkdma';
import { BPR } from '../../main/engine/models/bpr';
import { trainEpoch } from '../../main/engine/fit';
import { entityGates, exportGates } from '../../main/ops/gates';
import { runDistill } from '../../main/ops/distill';
import { lineage } from '../../main/ops/lineage';
import { repeatRun } from '../../main/ops/repeat';
import { executeStoredRun } from '../../main/ops/resume';
import { DISTILL_METHODS } from '../../main/contract';
import { synthDataset } from '../../main/ops/datasets';
import { runTraining } from '../../main/ops/train';
import { Store } from '../../main/store/db';
import { deleteRun } from '../../main/store/queue';
import { getEpochs, getRun, listRuns } from '../../main/store/runs';
import { tempDir } from '../support/tmp';

const data = filterAndRemap(synthesize({ users: 120, items: 650, seed: 5 }), {
  minUser: 5,
  minItem: 0,
});
const split = buildSplit(data, 0);
const train = trainSet(data, split);
const dT = 12;
const dS = 4;
const taDims = [6, 9];
const rng = Rng.seeded(1);
const teacherTables = {
  users: Float32Array.from({ length: data.nUsers * dT }, () => 0.3 * rng.normal()),
  items: Float32Array.from({ length: data.nItems * dT }, () => 0.3 * rng.normal()),
};

function firstBatch() {
  const users: number[] = [];
  const pos: number[] = [];
  for (let u = 0; u < 40; u++) {
    users.push(u);
    pos.push(train.items[train.userPtr[u]]);
  }
  return {
    users: Int32Array.from(users),
    pos: Int32Array.from(pos),
    neg: Int32Array.from(pos.map((p) => (p + 7) % data.nItems)),
  };
}

type Variant = { name: string; make: (r: Rng) => DistilledStudent };

function guideKD(
  flavour: KDFlavour,
  r: Rng,
  name = 'teacher',
  tables = teacherTables,
  dim = dT,
  enrichment: PhrEnrichment = 'full',
) {
  return new GuideKD(
    name,
    frozenGuide(name, dim, tables),
    flavour,
    dS,
    { experts: 3, enrichment, train },
    r,
  );
}

function hyper(flavour: KDFlavour, taSource: TaSource, gate = true, dims = taDims) {
  return (r: Rng) =>
    new DistilledStudent(
      new BPR(data.nUsers, data.nItems, dS, r),
      new HyperKDMA(
        guideKD(flavour, r),
        {
          flavour,
          dT,
          dS,
          taDims: dims,
          experts: 3,
          lambdaT: 0.1,
          lambdaTA: 0.1,
          itemWeight: 0.5,
          taSource,
          gate,
        },
        r,
      ),
      gumbelFrom(r),
    );
}

const taTables = taDims.map((d) => ({
  users: Float32Array.from({ length: data.nUsers * d }, () => 0.3 * rng.normal()),
  items: Float32Array.from({ length: data.nItems * d }, () => 0.3 * rng.normal()),
}));

const VARIANTS: Variant[] = [
  {
    name: 'PHR with batch-neighbourhood enrichment',
    make: (r) =>
      new DistilledStudent(
        new BPR(data.nUsers, data.nItems, dS, r),
        new GuidedDistiller(
          [guideKD('PHR', r, 'teacher', teacherTables, dT, 'batch')],
          0.1,
          0.5,
          undefined,
          r,
        ),
        gumbelFrom(r),
      ),
  },
  ...(['DE', 'PHR'] as const).flatMap((f): Variant[] => [
    {
      name: f,
      make: (r) =>
        new DistilledStudent(
          new BPR(data.nUsers, data.nItems, dS, r),
          new GuidedDistiller([guideKD(f, r)], 0.1, 0.5, undefined, r),
          gumbelFrom(r),
        ),
    },
    { name: `HyperKDMA+${f}`, make: hyper(f, { kind: 'hypernet' }) },
    { name: `HyperKDMA+${f} w/o GNet`, make: hyper(f, { kind: 'hypernet' }, false) },
    { name: `HyperKDMA+${f} with one TA`, make: hyper(f, { kind: 'hypernet' }, true, [7]) },
    { name: `HyperKDMA+${f} w/o HNet (shared)`, make: hyper(f, { kind: 'shared' }) },
    {
      name: `HyperKDMA+${f} w/o HNet (pretrained)`,
      make: hyper(f, {
        kind: 'pretrained',
        guides: taDims.map((d, i) => frozenGuide(`ta${i}`, d, taTables[i])),
      }),
    },
    {
      name: `DGKD+${f}`,
      make: (r) =>
        new DistilledStudent(
          new BPR(data.nUsers, data.nItems, dS, r),
          new GuidedDistiller(
            [
              guideKD(f, r),
              ...taDims.map((d, i) => guideKD(f, r, `guide${i + 1}`, taTables[i], d)),
            ],
            0.1,
            0.5,
            { mode: 'fixed', count: 1 },
            r,
          ),
          gumbelFrom(r),
        ),
    },
  ]),
];

beforeAll(async () => {
  await initBackend('wasm');
});

describe('every distillation method', () => {
  it.each(VARIANTS.map((v) => [v.name, v] as const))(
    '%s: every trainable tensor receives a non-zero gradient',
    (_name, v) => {
      const model = v.make(Rng.seeded(3));
      model.startEpoch(0);
      // DGKD drops one guide per batch: two steps cover every guide with this seed.
      for (let k = 0; k < 3; k++) GradScope.step((s) => model.loss(s, firstBatch()));
      const silent = model.params
        .filter((p) => p.trainable && !p.grad.some((g) => g !== 0))
        .map((p) => p.name);
      expect(silent).toEqual([]);
      expect(model.params.filter((p) => p.trainable).length).toBeGreaterThan(2);
    },
  );

  it.each(VARIANTS.map((v) => [v.name, v] as const))(
    '%s: the tensor count stays flat across epochs',
    async (_name, v) => {
      const model = v.make(Rng.seeded(4));
      const opt = new Adam(model.params);
      const r = Rng.seeded(5);
      model.startEpoch(0);
      await trainEpoch(model, opt, train, r, { batchSize: 256, negatives: 1 });
      const before = tf.memory().numTensors;
      for (let e = 1; e < 3; e++) {
        model.startEpoch(e);
        const { diagnostics } = await trainEpoch(model, opt, train, r, {
          batchSize: 256,
          negatives: 1,
        });
        expect(diagnostics).toBeDefined();
      }
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('HyperKDMA logs the degenerate-optimum diagnostics each epoch', async () => {
    const model = hyper('DE', { kind: 'hypernet' })(Rng.seeded(6));
    model.startEpoch(0);
    const { diagnostics, losses } = await trainEpoch(
      model,
      new Adam(model.params),
      train,
      Rng.seeded(7),
      { batchSize: 256, negatives: 1 },
    );
    for (const k of [
      'teacher.norm',
      'gate.entropy',
      'ta0.norm',
      'ta1.norm',
      'ta0.gate',
      'ta1.gate',
      'ta0.loss',
      'kd.raw',
      'ta.raw',
      'share.bpr',
      'share.kd',
      'share.ta',
    ]) {
      expect(diagnostics![k], k).toBeTypeOf('number');
    }
    expect(diagnostics!['ta0.gate'] + diagnostics!['ta1.gate']).toBeCloseTo(1, 5);
    expect(diagnostics!['gate.entropy']).toBeLessThanOrEqual(Math.log(2) + 1e-6);
    expect(
      diagnostics!['share.bpr'] + diagnostics!['share.kd'] + diagnostics!['share.ta'],
    ).toBeCloseTo(1, 5);
    expect(losses.total).toBeCloseTo(losses.bpr + losses.kd + losses.ta, 3);
  });
});

describe('distillation runs end to end', () => {
  it('trains every method for a couple of epochs, reusing TA runs, and keeps HyperKDMA gates', async () => {
    const store = new Store(tempDir());
    synthDataset(store, { name: 'demo', users: 150, items: 650, seed: 2 });
    const common = { lr: 0.01, reg: 1e-4, batch: 256, maxEpochs: 2, patience: 5 };
    const teacher = await runTraining(store, {
      dataset: 'demo',
      model: 'BPR',
      dim: 16,
      label: 'T',
      ...common,
    });
    expect(teacher.run.status).toBe('completed');
    const methods = DISTILL_METHODS;
    const outcomes: Awaited<ReturnType<typeof runDistill>>[] = [];
    for (const method of methods) {
      outcomes.push(
        await runDistill(store, {
          dataset: 'demo',
          teacher: 'T',
          method,
          studentDim: 4,
          numTas: 2,
          experts: 3,
          ...common,
        }),
      );
    }
    for (const o of outcomes) {
      expect(o.run.status, o.method).toBe('completed');
      expect(o.run.epochsRun).toBe(2);
      expect(o.teacherRunId).toBe(teacher.run.id);
      expect(o.taDims).toEqual(o.method === 'DE' || o.method === 'PHR' ? [] : [8, 12]);
    }
    // TAKD: 2 links each; DGKD: 2 TAs each, the second learning from the first, which learned
    // from the teacher alone: that is TAKD's first link (the plain run of its size), reused.
    const runs = listRuns(store);
    const byLabel = (l: string) => runs.find((r) => r.label === l)!.id;
    const sources = (o: (typeof outcomes)[number]) =>
      lineage(store, o.run.id).sources.map((s) => [s.role, s.id]);
    const at = (m: string) => outcomes.find((o) => o.method === m)!;
    expect(sources(at('DE'))).toEqual([['teacher', teacher.run.id]]);
    // TAKD learns from its last link only; the teacher is listed as the chain's head.
    expect(sources(at('TAKD-DE'))).toEqual([
      ['teacher', teacher.run.id],
      ['guide', byLabel('TAKD-DE link 8')],
    ]);
    expect(sources(at('DGKD-DE'))).toEqual([
      ['teacher', teacher.run.id],
      ['guide', byLabel('TAKD-DE link 12')],
      ['guide', byLabel('DGKD-DE TA 8')],
    ]);
    expect(runs.filter((r) => r.label?.startsWith('TAKD-DE link'))).toHaveLength(2);
    expect(runs.filter((r) => r.label?.startsWith('DGKD-DE TA'))).toHaveLength(1);
    expect(runs).toHaveLength(1 + methods.length + 6);
    // Asking again reuses every TA run.
    await runDistill(store, {
      dataset: 'demo',
      teacher: 'T',
      method: 'DGKD-DE',
      studentDim: 4,
      numTas: 2,
      experts: 3,
      ...common,
    });
    expect(listRuns(store)).toHaveLength(1 + methods.length + 6 + 1);
    // Why the first TA may be shared: DGKD with the teacher as its only guide trains exactly the
    // plain run (the guide is never dropped).
    for (const flavour of ['DE', 'PHR'] as const) {
      const size = { dataset: 'demo', teacher: 'T', studentDim: 6, experts: 3, ...common };
      const plain = await runDistill(store, { ...size, method: flavour });
      const alone = await runDistill(store, { ...size, method: `DGKD-${flavour}`, taDims: [] });
      expect(alone.run.config).toMatchObject({ method: `DGKD-${flavour}`, taDims: [] });
      const trained = (id: number) =>
        getEpochs(store, id).map(({ losses, valid, test }) => ({ losses, valid, test }));
      expect(trained(alone.run.id)).toEqual(trained(plain.run.id));
    }

    // Ablations, labelled by their options.
    const noGate = await runDistill(store, {
      dataset: 'demo',
      teacher: 'T',
      method: 'HyperKDMA-DE',
      studentDim: 4,
      numTas: 2,
      experts: 3,
      gate: false,
      ...common,
    });
    const pretrained = await runDistill(store, {
      dataset: 'demo',
      teacher: 'T',
      method: 'HyperKDMA-PHR',
      studentDim: 4,
      taDims: [10],
      taSource: 'pretrained',
      ...common,
    });
    expect(pretrained.run.config).toMatchObject({ taSource: 'pretrained', taDims: [10] });
    expect(sources(pretrained)).toEqual([
      ['teacher', teacher.run.id],
      ['pretrained TA', (pretrained.run.config.pretrainedTaRuns as number[])[0]],
    ]);

    const hk = outcomes[2];
    const csv = exportGates(store, hk.run.id, 'csv').trim().split('\n');
    expect(csv[0]).toBe('kind,id,w1,w2');
    const rows = csv.slice(1).map((l) => l.split(','));
    expect(rows.filter((r) => r[0] === 'user')).toHaveLength(150);
    expect(rows.filter((r) => r[0] === 'item')).toHaveLength(650);
    for (const r of rows) expect(Number(r[2]) + Number(r[3])).toBeCloseTo(1, 5);
    const one = entityGates(store, hk.run.id, 'user', 7);
    expect(one.weights.map((w) => w.toFixed(6))).toEqual(
      rows[7].slice(2).map((w) => Number(w).toFixed(6)),
    );
    expect(one.taNorms.every((n) => n > 0)).toBe(true);
    const uniform = JSON.parse(exportGates(store, noGate.run.id, 'json', 'items'));
    expect(
      uniform.rows.every((r: { w: number[] }) => r.w.every((w) => Math.abs(w - 0.5) < 1e-6)),
    ).toBe(true);
    expect(() => exportGates(store, outcomes[0].run.id, 'csv')).toThrow(/no gate weights/);
    store.close();
  });

  it('rejects impossible requests before creating a run', async () => {
    const store = new Store(tempDir());
    synthDataset(store, { name: 'demo', users: 60, items: 600, seed: 2 });
    const t = await runTraining(store, {
      dataset: 'demo',
      model: 'BPR',
      dim: 8,
      maxEpochs: 1,
      label: 'T',
    });
    const base = { dataset: 'demo', teacher: t.run.id, maxEpochs: 1 };
    await expect(runDistill(store, { ...base, method: 'DE', studentDim: 8 })).rejects.toThrow(
      /must be smaller/,
    );
    await expect(
      runDistill(store, { ...base, method: 'HyperKDMA-DE', studentDim: 2, taDims: [9] }),
    ).rejects.toThrow(/not between/);
    await expect(
      runDistill(store, { ...base, teacher: 'nope', method: 'DE', studentDim: 2 }),
    ).rejects.toThrow(/labelled 'nope'/);
    await expect(
      runDistill(store, { ...base, method: 'DGKD-DE', studentDim: 2, dgkdDrop: 'sometimes' }),
    ).rejects.toThrow(/dgkdDrop/);
    expect(listRuns(store)).toHaveLength(1);
    store.close();
  });
});

describe('repeating an experiment with other seeds', () => {
  it("queues each seed's teacher twin and student, reuses what exists, and trains them", async () => {
    const store = new Store(tempDir());
    synthDataset(store, { name: 'demo', users: 80, items: 620, seed: 2 });
    const common = { lr: 0.01, reg: 1e-4, batch: 256, maxEpochs: 1, patience: 5 };
    const T = await runTraining(store, {
      dataset: 'demo',
      model: 'BPR',
      dim: 8,
      label: 'T',
      ...common,
    });
    const S = await runDistill(store, {
      dataset: 'demo',
      teacher: 'T',
      method: 'TAKD-DE',
      studentDim: 2,
      taDims: [4],
      experts: 2,
      label: 'S',
      ...common,
    });
    const link = listRuns(store).find((r) => r.label === 'TAKD-DE link 4')!;

    const rep = await repeatRun(store, S.run.id, [0, 1, 2]);
    expect(rep.runs.map((r) => [r.seed, r.queued])).toEqual([
      [0, false],
      [1, true],
      [2, true],
    ]);
    expect(rep.runs[0].id).toBe(S.run.id);
    for (const { seed, id } of rep.runs.slice(1)) {
      const student = getRun(store, id);
      const teacher = getRun(store, student.teacherRunId!);
      expect(teacher).toMatchObject({ status: 'queued', seed, label: `T (seed ${seed})` });
      expect({ ...teacher.config, seed: 0, label: 'T' }).toEqual(T.run.config);
      expect(student).toMatchObject({ status: 'queued', seed, label: `S (seed ${seed})` });
      expect(student.config).toMatchObject({ teacher: teacher.id, taDims: [4], method: 'TAKD-DE' });
      // Its own TAKD link of this seed, queued before it.
      const guide = getRun(store, (student.config.guideRuns as number[])[0]);
      expect(guide).toMatchObject({ seed, teacherRunId: teacher.id, status: 'queued' });
      expect(guide.id).not.toBe(link.id);
      expect(rep.queued.indexOf(teacher.id)).toBeLessThan(rep.queued.indexOf(guide.id));
      expect(rep.queued.indexOf(guide.id)).toBeLessThan(rep.queued.indexOf(id));
    }
    expect(rep.queued).toHaveLength(6);

    // Asking again doubles nothing; the teacher's own repetition finds the twins queued above.
    const again = await repeatRun(store, S.run.id, [2, 1]);
    expect(again.queued).toEqual([]);
    expect(again.runs.map((r) => r.id)).toEqual([rep.runs[2].id, rep.runs[1].id]);
    const teachers = await repeatRun(store, T.run.id, [1, 3]);
    expect(teachers.runs[0]).toEqual({
      seed: 1,
      id: getRun(store, rep.runs[1].id).teacherRunId,
      queued: false,
    });
    expect(teachers.queued).toHaveLength(1);

    // The queued rows train as they are: seed 1's teacher, link, then student.
    const s1 = getRun(store, rep.runs[1].id);
    const chain = [s1.teacherRunId!, (s1.config.guideRuns as number[])[0], s1.id];
    for (const id of chain) {
      const done = await executeStoredRun(
        store,
        getRun(store, id),
        {},
        { prerequisitesDone: true },
      );
      expect(done.run.status).toBe('completed');
    }
    expect(getRun(store, s1.id).summary!.test.H5).toBeGreaterThan(0);

    deleteRun(store, T.run.id);
    await expect(repeatRun(store, S.run.id, [5])).rejects.toThrow(/teacher was deleted/);
    store.close();
  });
});
