import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { filterAndRemap } from '../../main/data/dataset';
import { Rng } from '../../main/data/rng';
import { buildSplit, trainSet, type TrainSet } from '../../main/data/split';
import { synthesize } from '../../main/data/synth';
import { initBackend } from '../../main/engine/backend';
import { GradScope } from '../../main/engine/grad-scope';
import { CandidateScorer } from '../../main/engine/kernels/candidate-scorer';
import {
  edgeDropout,
  GraphTensors,
  normalizedGraph,
  selfLoopGraph,
} from '../../main/engine/models/graph';
import { infoNce, infoNceComposed } from '../../main/engine/kernels/infonce';
import { normalizeRows } from '../../main/engine/models/normalize-rows';
import { SGL } from '../../main/engine/models/sgl';
import { LightGCN } from '../../main/engine/models/lightgcn';
import { NeuMF } from '../../main/engine/models/neumf';
import { NGCF } from '../../main/engine/models/ngcf';
import { createModel } from '../../main/engine/models/registry';
import { MODEL_NAMES, type ModelName } from '../../main/contract';
import {
  modelOptions,
  representationWidth,
  TrainConfigSchema,
  type ModelOptions,
} from '../../main/contract';
import { expectFlatTensorCount } from '../support/tensor-count';

// 2 users, 3 items: u0–i0, u0–i1, u1–i1; item 2 has no training edge.
const TINY: TrainSet = {
  nUsers: 2,
  nItems: 3,
  userPtr: Int32Array.from([0, 2, 3]),
  items: Int32Array.from([0, 1, 1]),
};

/** Dense Â = D^{-1/2} A D^{-1/2} of TINY over nodes [u0, u1, i0, i1, i2]. */
function denseNormalized(): number[][] {
  const A = Array.from({ length: 5 }, () => new Array<number>(5).fill(0));
  for (const [u, i] of [
    [0, 0],
    [0, 1],
    [1, 1],
  ]) {
    A[u][2 + i] = 1;
    A[2 + i][u] = 1;
  }
  const deg = A.map((r) => r.reduce((a, b) => a + b, 0));
  return A.map((r, a) => r.map((x, b) => (x === 0 ? 0 : x / Math.sqrt(deg[a] * deg[b]))));
}
const matmul = (A: number[][], E: number[][]) =>
  A.map((r) => E[0].map((_, k) => r.reduce((s, x, j) => s + x * E[j][k], 0)));

function tinyData() {
  const data = filterAndRemap(synthesize({ users: 60, items: 600, seed: 1 }), {
    minUser: 5,
    minItem: 0,
  });
  const split = buildSplit(data, 0);
  return { data, split, train: trainSet(data, split) };
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('graph propagation (METHOD.md §4.3)', () => {
  it('matches a dense D^-1/2 A D^-1/2 product, isolated nodes included', () => {
    const g = normalizedGraph(TINY);
    expect(g.src.length).toBe(6);
    expect(Array.from(g.weight).every(Number.isFinite)).toBe(true);
    const E = [
      [1, 2],
      [3, -1],
      [0.5, 0],
      [-2, 1],
      [7, 7],
    ];
    const t = new GraphTensors(g);
    const got = tf.tidy(() => t.spread(tf.tensor2d(E)).arraySync());
    const want = matmul(denseNormalized(), E);
    got.flat().forEach((x, k) => expect(x).toBeCloseTo(want.flat()[k], 6));
    // The isolated item receives nothing.
    expect(got[4]).toEqual([0, 0]);
    const mean = tf.tidy(() => t.layerMean(tf.tensor2d(E), 2).arraySync());
    const E1 = want;
    const E2 = matmul(denseNormalized(), E1);
    mean
      .flat()
      .forEach((x, k) => expect(x).toBeCloseTo((E.flat()[k] + E1.flat()[k] + E2.flat()[k]) / 3, 6));
  });

  it('LightGCN scores with the propagated layer mean and regularises layer-0 rows', async () => {
    const m = new LightGCN(2, 3, 2, TINY, Rng.seeded(0), { layers: 1, embReg: 1e-4 });
    const E = [1, 2, 3, -1, 0.5, 0, -2, 1, 7, 7];
    m.embedding.data.set(E);
    const rows = [0, 1, 2, 3, 4].map((r) => E.slice(2 * r, 2 * r + 2));
    const final = matmul(denseNormalized(), rows).map((r, a) =>
      r.map((x, k) => (x + rows[a][k]) / 2),
    );
    const t = await m.representationTables();
    expect(Array.from(t.users)).toEqual(
      final
        .slice(0, 2)
        .flat()
        .map((x) => expect.closeTo(x, 6) as unknown as number),
    );
    const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1];
    const sp = (x: number) => Math.log1p(Math.exp(x));
    const batch = {
      users: Int32Array.from([0]),
      pos: Int32Array.from([1]),
      neg: Int32Array.from([2]),
    };
    const v = GradScope.step((s) => m.loss(s, batch));
    const bpr = sp(dot(final[0], final[4]) - dot(final[0], final[3]));
    const reg = 1e-4 * [0, 3, 4].reduce((s, r) => s + dot(rows[r], rows[r]), 0);
    expect(v.terms.bpr).toBeCloseTo(bpr, 5);
    expect(v.terms.reg).toBeCloseTo(reg, 8);
    expect(m.embedding.grad.some((x) => x !== 0)).toBe(true);
  });
});

describe('SGL (METHOD.md §4.5)', () => {
  it('InfoNCE matches a hand computation', () => {
    const a = [
      [1, 0],
      [0.6, 0.8],
    ];
    const all = [
      [1, 0],
      [0, 1],
      [0.6, 0.8],
    ];
    const pos = [all[0], all[2]];
    const tau = 0.2;
    const dot = (x: number[], y: number[]) => x[0] * y[0] + x[1] * y[1];
    const want = a.reduce(
      (s, z, k) =>
        s -
        Math.log(
          Math.exp(dot(z, pos[k]) / tau) / all.reduce((t, v) => t + Math.exp(dot(z, v) / tau), 0),
        ),
      0,
    );
    const got = tf.tidy(
      () => infoNce(tf.tensor2d(a), tf.tensor2d(pos), tf.tensor2d(all), tau).dataSync()[0],
    );
    expect(got).toBeCloseTo(want, 4);
  });

  it('InfoNCE gradients match tfjs autodiff of the plain formula', () => {
    const r = Rng.seeded(7);
    const t = (rows: number) =>
      tf.tensor2d(
        Array.from({ length: rows * 3 }, () => r.normal()),
        [rows, 3],
      );
    const [a, p, z] = [t(4), t(4), t(6)];
    const plain = (x: tf.Tensor2D, y: tf.Tensor2D, w: tf.Tensor2D) =>
      tf.sum(
        tf.sub(
          tf.logSumExp(tf.div(tf.matMul(x, w, false, true), 0.2), 1),
          tf.div(tf.sum(tf.mul(x, y), 1), 0.2),
        ),
      ) as tf.Scalar;
    const want = tf.grads((x, y, w) => plain(x as tf.Tensor2D, y as tf.Tensor2D, w as tf.Tensor2D))(
      [a, p, z],
    );
    const got = tf.grads((x, y, w) =>
      infoNce(x as tf.Tensor2D, y as tf.Tensor2D, w as tf.Tensor2D, 0.2),
    )([a, p, z]);
    expect(infoNce(a, p, z, 0.2).dataSync()[0]).toBeCloseTo(plain(a, p, z).dataSync()[0], 4);
    got.forEach((g, k) =>
      Array.from(g.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(want[k].dataSync()[j], 4)),
    );
  });

  it("the contrastive term is InfoNCE over both whole views, read at the batch's rows", () => {
    const { data, train } = tinyData();
    const sgl = { ...modelOptions('SGL'), layers: 2 };
    const m = new SGL(data.nUsers, data.nItems, 4, train, Rng.seeded(3), Rng.seeded(9), sgl);
    const batch = {
      users: Int32Array.from([0, 1, 0, 7]),
      pos: Int32Array.from(train.items.subarray(0, 4)),
      neg: Int32Array.from([50, 60, 70, 80]),
    };
    const got = GradScope.step((s) => m.loss(s, batch)).terms.ssl;
    // The same two views from the same stream, propagated and normalised in full.
    const noise = Rng.seeded(9);
    const views = [0, 1].map(
      () => new GraphTensors(normalizedGraph(edgeDropout(train, sgl.edgeDropout, noise))),
    );
    const nU = data.nUsers;
    const want = tf.tidy(() => {
      const e0 = tf.tensor2d(m.embedding.data, [nU + data.nItems, 4]);
      const [z1, z2] = views.map((v) => normalizeRows(v.layerMean(e0, sgl.layers)));
      const users = tf.tensor1d(batch.users, 'int32');
      const items = tf.tensor1d(
        batch.pos.map((i) => i + nU),
        'int32',
      );
      const term = (rows: tf.Tensor1D, all: tf.Tensor2D) =>
        infoNceComposed(tf.gather(z1, rows), tf.gather(z2, rows), all, sgl.temperature);
      return (
        sgl.ssl *
        tf
          .add(
            term(users, tf.slice(z2, [0, 0], [nU, 4])),
            term(items, tf.slice(z2, [nU, 0], [data.nItems, 4])),
          )
          .dataSync()[0]
      );
    });
    expect(got).toBeCloseTo(want, 5);
    for (const v of views) v.dispose();
  });

  it('edge-dropout views keep ⌊(1 − ρ)m⌋ edges of the training graph', () => {
    const { train } = tinyData();
    const v = edgeDropout(train, 0.1, Rng.seeded(1));
    expect(v.items.length).toBe(Math.floor(0.9 * train.items.length));
    const edges = new Set<string>();
    for (let u = 0; u < train.nUsers; u++)
      for (let k = train.userPtr[u]; k < train.userPtr[u + 1]; k++)
        edges.add(`${u}:${train.items[k]}`);
    for (let u = 0; u < v.nUsers; u++)
      for (let k = v.userPtr[u]; k < v.userPtr[u + 1]; k++)
        expect(edges.has(`${u}:${v.items[k]}`)).toBe(true);
  });
});

describe('Xavier embedding tables (SGL-Torch, NGCF-PyTorch)', () => {
  it('initialise user and item rows with their own table fans', () => {
    const { data, train } = tinyData();
    const d = 8;
    for (const name of ['SGL', 'NGCF'] as const) {
      const m = createModel(name, {
        nUsers: data.nUsers,
        nItems: data.nItems,
        dim: d,
        train,
        rng: Rng.seeded(3),
        noise: Rng.seeded(4),
      });
      const e = m.params.find((p) => p.name === 'embedding')!.data;
      const absMax = (from: number, to: number) =>
        e.subarray(from * d, to * d).reduce((a, x) => Math.max(a, Math.abs(x)), 0);
      const users = absMax(0, data.nUsers);
      const items = absMax(data.nUsers, data.nUsers + data.nItems);
      // The largest of n·d uniform draws lies within a few per cent of the bound.
      expect(users).toBeLessThanOrEqual(Math.sqrt(6 / (data.nUsers + d)));
      expect(users).toBeGreaterThan(0.9 * Math.sqrt(6 / (data.nUsers + d)));
      expect(items).toBeLessThanOrEqual(Math.sqrt(6 / (data.nItems + d)));
      expect(items).toBeGreaterThan(0.95 * Math.sqrt(6 / (data.nItems + d)));
    }
  });
});

describe('NGCF (METHOD.md §4.4)', () => {
  it('propagates over D̃⁻¹(A + I): rows sum to one, isolated nodes keep themselves', () => {
    const g = selfLoopGraph(TINY);
    const rowSum = new Float64Array(g.nodes);
    g.dst.forEach((d, e) => (rowSum[d] += g.weight[e]));
    rowSum.forEach((x) => expect(x).toBeCloseTo(1, 6));
    // The paper's L + I: symmetric weights off the diagonal, 1 on it.
    const sym = selfLoopGraph(TINY, 'symmetric');
    const dense = denseNormalized();
    sym.dst.forEach((d, e) =>
      expect(sym.weight[e]).toBeCloseTo(sym.src[e] === d ? 1 : dense[d][sym.src[e]], 6),
    );
    const t = new GraphTensors(g);
    const got = tf.tidy(() => t.spread(tf.tensor2d([[1], [2], [3], [4], [5]])).arraySync());
    // u0 sees itself, i0 and i1: (1 + 3 + 4) / 3; the isolated item keeps its own row.
    expect(got[0][0]).toBeCloseTo(8 / 3, 6);
    expect(got[4][0]).toBeCloseTo(5, 6);
  });
});

describe('NGCF training loss', () => {
  it.each(['row', 'symmetric'] as const)(
    'without dropout equals BPR on the evaluation output [E⁰, norm(E¹), …, norm(E^L)] (%s Ã)',
    async (adjacency) => {
      const { data, split, train } = tinyData();
      const m = new NGCF(data.nUsers, data.nItems, 4, train, Rng.seeded(2), Rng.seeded(3), {
        layers: 2,
        nodeDropout: 0,
        messageDropout: 0,
        adjacency,
        kdRep: 'ego',
      });
      // Scores of (u, test item) and (u, valid item) from the full-table evaluation path.
      const scorer = new CandidateScorer(split, data.nUsers, data.nItems);
      const scores = await m.scoreHeldOut(scorer);
      const users = Int32Array.from([0, 3, 3, 7]);
      const pos = Int32Array.from(users, (u) => split.test[u]);
      const neg = Int32Array.from(users, (u) => split.valid[u]);
      const want = [...users].reduce((s, u) => {
        const diff = scores[u * scorer.slots + 1] - scores[u * scorer.slots];
        return s + Math.log1p(Math.exp(diff));
      }, 0);
      const got = GradScope.step((s) => m.loss(s, { users, pos, neg }));
      expect(got.terms.bpr).toBeCloseTo(want, 5);
    },
  );
});

describe('NeuMF (METHOD.md §4.2)', () => {
  it('scores GMF ⊙ and a ReLU MLP, sums BCE over positives and negatives, and evaluates the same logits', async () => {
    const { data, split } = tinyData();
    const m = new NeuMF(data.nUsers, data.nItems, 3, Rng.seeded(4));
    const u = 5;
    const i = 7;
    const d = 3;
    const gu = Array.from(m.gmfUser.data.subarray(u * d, u * d + d));
    const gi = Array.from(m.gmfItem.data.subarray(i * d, i * d + d));
    const x = [
      ...m.mlpUser.data.subarray(u * d, u * d + d),
      ...m.mlpItem.data.subarray(i * d, i * d + d),
    ];
    const W = m.mlpW.data;
    const h = [0, 1, 2].map((k) =>
      Math.max(0, m.mlpB.data[k] + x.reduce((s, xv, r) => s + xv * W[r * d + k], 0)),
    );
    const z = [...gu.map((g, k) => g * gi[k]), ...h];
    const logit = m.outB.data[0] + z.reduce((s, zv, r) => s + zv * m.outW.data[r], 0);
    const got = GradScope.forward((s) => {
      const t = m.logits(s, Int32Array.from([u]), Int32Array.from([i]));
      const v = t.dataSync()[0];
      t.dispose();
      return v;
    });
    expect(got).toBeCloseTo(logit, 6);
    const sp = (v: number) => Math.log1p(Math.exp(v));
    const v = GradScope.step((s) =>
      m.loss(s, {
        users: Int32Array.from([u]),
        pos: Int32Array.from([i]),
        neg: Int32Array.from([i]),
      }),
    );
    expect(v.terms.bce).toBeCloseTo(sp(-logit) + sp(logit), 6);
    // Evaluation's split-layer shortcut gives the forward logits.
    const scorer = new CandidateScorer(split, data.nUsers, data.nItems);
    const scores = await m.scoreHeldOut(scorer);
    const slots = scorer.slots;
    const items = scorer.slotItems.subarray(u * slots, u * slots + 4);
    const forward = GradScope.forward((s) =>
      tf.tidy(() =>
        Array.from(m.logits(s, new Int32Array(4).fill(u), Int32Array.from(items)).dataSync()),
      ),
    );
    forward.forEach((f, k) => expect(scores[u * slots + k]).toBeCloseTo(f, 5));
  });
});

const OPTION_CASES: [ModelName, ModelOptions][] = [
  ...MODEL_NAMES.map((m): [ModelName, ModelOptions] => [m, {}]),
  ['NeuMF', { mlpLayers: 3 }],
  ['LightGCN', { layers: 3, embReg: 2e-4 }],
  ['NGCF', { layers: 2, adjacency: 'symmetric', nodeDropout: 0.3, kdRep: 'concat' }],
  ['SGL', { layers: 2, temperature: 0.5, edgeDropout: 0.2 }],
];

describe.each(OPTION_CASES)('%s %o in the training pipeline', (name, options) => {
  it('gives every trainable tensor a non-zero gradient and keeps the tensor count flat', async () => {
    const { data, train } = tinyData();
    const m = createModel(name, {
      nUsers: data.nUsers,
      nItems: data.nItems,
      dim: 8,
      train,
      rng: Rng.seeded(3),
      noise: Rng.seeded(4),
      options,
    });
    const batch = {
      users: Int32Array.from([0, 1, 2]),
      pos: Int32Array.from(train.items.subarray(0, 3)),
      neg: Int32Array.from([50, 60, 70]),
    };
    GradScope.step((s) => m.loss(s, batch));
    for (const p of m.params)
      expect(
        p.grad.some((g) => g !== 0),
        p.name,
      ).toBe(true);
    await expectFlatTensorCount(m, train);
  });
});

describe('model options', () => {
  it('NeuMF with a deeper MLP halves the width per layer and evaluates its forward logits', async () => {
    const { data, split } = tinyData();
    const m = new NeuMF(data.nUsers, data.nItems, 8, Rng.seeded(4), 3);
    expect(m.deeper.map((l) => l.W.shape)).toEqual([
      [8, 4],
      [4, 2],
    ]);
    expect(m.outW.shape).toEqual([10, 1]);
    const scorer = new CandidateScorer(split, data.nUsers, data.nItems);
    const scores = await m.scoreHeldOut(scorer);
    const u = 9;
    const slots = scorer.slots;
    const items = Int32Array.from(scorer.slotItems.subarray(u * slots, (u + 1) * slots));
    const forward = GradScope.forward((s) =>
      tf.tidy(() => Array.from(m.logits(s, new Int32Array(slots).fill(u), items).dataSync())),
    );
    forward.forEach((f, k) => expect(scores[u * slots + k]).toBeCloseTo(f, 5));
  });

  it('NeuMF can distil [GMF; MLP] rows, the same in the tables KD freezes', async () => {
    const { data } = tinyData();
    const m = new NeuMF(data.nUsers, data.nItems, 3, Rng.seeded(4), 1, 'gmf+mlp');
    const ids = Int32Array.from([2, 5]);
    const rows = GradScope.forward((s) =>
      tf.tidy(() => m.representation(s, 'item', ids).arraySync()),
    );
    const tables = await m.representationTables();
    ids.forEach((id, r) => {
      const want = [
        ...m.gmfItem.data.subarray(id * 3, id * 3 + 3),
        ...m.mlpItem.data.subarray(id * 3, id * 3 + 3),
      ];
      rows[r].forEach((x, k) => expect(x).toBeCloseTo(want[k], 7));
      expect(Array.from(tables.items.subarray(id * 6, id * 6 + 6))).toEqual(want.map(Math.fround));
    });
  });

  it('NGCF can distil its scoring output, from the step that computed the loss', async () => {
    const { data, train } = tinyData();
    const opts = { layers: 2, nodeDropout: 0, messageDropout: 0, adjacency: 'row' } as const;
    const make = (kdRep: 'ego' | 'concat') =>
      new NGCF(data.nUsers, data.nItems, 4, train, Rng.seeded(2), Rng.seeded(3), {
        ...opts,
        kdRep,
      });
    const m = make('concat');
    expect(representationWidth('NGCF', { kdRep: 'concat', layers: 2 }, 4)).toBe(12);
    const tables = await m.representationTables();
    expect(tables.items.length).toBe(data.nItems * 12);
    const batch = {
      users: Int32Array.from([0, 3]),
      pos: Int32Array.from(train.items.subarray(0, 2)),
      neg: Int32Array.from([40, 41]),
    };
    // The item rows KD reads after the loss (cached) and without it (computed) equal the tables.
    const check = (rows: number[][]) =>
      batch.pos.forEach((id, r) =>
        rows[r].forEach((x, k) => expect(x).toBeCloseTo(tables.items[id * 12 + k], 5)),
      );
    let uncached: number[][] = [];
    GradScope.step((s) => {
      uncached = m.representation(s, 'item', batch.pos).arraySync();
      const base = m.loss(s, batch);
      const rep = m.representation(s, 'item', batch.pos);
      check(rep.arraySync());
      // KD's gradient reaches every layer's weights through these rows.
      return { total: tf.sum(rep) as tf.Scalar, terms: base.terms };
    });
    check(uncached);
    for (const p of m.params)
      expect(
        p.grad.some((g) => g !== 0),
        p.name,
      ).toBe(true);
    const ego = await make('ego').representationTables();
    expect(ego.users.length).toBe(data.nUsers * 4);
  });

  it('fill in defaults, and a model refuses options it does not have', () => {
    expect(modelOptions('SGL', { temperature: 0.5 })).toEqual({
      layers: 3,
      edgeDropout: 0.1,
      temperature: 0.5,
      ssl: 0.1,
      embReg: 1e-4,
    });
    const base = { dataset: 'd', dim: 8 };
    expect(TrainConfigSchema.safeParse({ ...base, model: 'NGCF', nodeDropout: 0.2 }).success).toBe(
      true,
    );
    const bad = TrainConfigSchema.safeParse({ ...base, model: 'BPR', layers: 2 });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ['layers'] });
    expect(bad.error!.issues[0].message).toMatch(/BPR has no option layers/);
    for (const [model, kdRep] of [
      ['NeuMF', 'concat'],
      ['NGCF', 'gmf+mlp'],
    ] as const) {
      const r = TrainConfigSchema.safeParse({ ...base, model, kdRep });
      expect(r.error!.issues[0]).toMatchObject({ path: ['kdRep'] });
      expect(r.error!.issues[0].message).toMatch(new RegExp(`${model} distils .* rows, not`));
    }
    expect(TrainConfigSchema.safeParse({ ...base, model: 'NGCF', kdRep: 'concat' }).success).toBe(
      true,
    );
  });
});
