import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterScores, populationSd } from '../../main/analysis/clusters';
import { exportBundle } from '../../main/ops/bundle-export';
import { importBundle } from '../../main/ops/bundle-import';
import { analyzeClusters } from '../../main/ops/cluster-analysis';
import { userAnalysis } from '../../main/ops/user-analysis';
import { synthDataset } from '../../main/ops/datasets';
import { runDistill } from '../../main/ops/distill';
import { comparePaired, ranksOf } from '../../main/ops/paired-runs';
import { runTraining } from '../../main/ops/train';
import { Store } from '../../main/store/db';
import { getRun } from '../../main/store/runs';
import { hkd } from '../support/cli';
import { tempDir } from '../support/tmp';

const FAST = { lr: 0.01, reg: 1e-4, batch: 128, maxEpochs: 3, patience: 100 };

describe('cluster analysis of runs', () => {
  it("clusters the teacher's users and carries them into a student, with Table 3's spread", async () => {
    const s = new Store(tempDir());
    synthDataset(s, { name: 'demo', users: 300, items: 650, seed: 3 });
    const t = (await runTraining(s, { dataset: 'demo', model: 'BPR', dim: 16, ...FAST })).run;
    const d = (
      await runDistill(s, {
        dataset: 'demo',
        teacher: t.id,
        method: 'DE',
        studentDim: 4,
        experts: 3,
        ...FAST,
      })
    ).run;
    const a = await analyzeClusters(s, { runs: [t.id, d.id], k: 4, projection: true });
    // The student's teacher is the reference; K-means converged, so in the teacher's own space
    // every user is nearest its own centroid.
    expect(a.references.map((r) => r.run)).toEqual([t.id]);
    const labels = a.references[0].labels;
    expect(labels).toHaveLength(300);
    const [teacher, student] = a.runs;
    expect([teacher.reference, student.reference]).toEqual([t.id, t.id]);
    expect(teacher.misclustered).toBe(0);
    expect(student.misclustered).toBeGreaterThan(0);
    expect(student.misclustered).toBeLessThan(1);
    for (const r of a.runs) {
      expect(r.clusters.reduce((n, c) => n + c.size, 0)).toBe(300);
      const again = clusterScores(labels, ranksOf(s, r.run), 4);
      expect(r.clusters).toEqual(again);
      expect(r.std.H5).toBeCloseTo(populationSd(again.map((c) => c.H5!)), 12);
      expect(r.knnAgreement).toBeGreaterThan(0);
      expect(r.knnAgreement).toBeLessThanOrEqual(1);
      expect(r.points!.x).toHaveLength(300);
    }
    // Seeded: the same request gives the same answer.
    const again = await analyzeClusters(s, {
      runs: [d.id],
      k: 4,
      reference: t.id,
      projection: true,
    });
    expect(again.runs[0]).toEqual(student);

    const cli = await hkd(
      s.home,
      'analyze',
      'clusters',
      String(t.id),
      String(d.id),
      '--k',
      '4',
      '--no-projection',
      '--json',
    );
    expect(cli.code).toBe(0);
    const doc = JSON.parse(cli.out) as typeof a;
    expect(doc.runs.map((r) => [r.misclustered, r.knnAgreement])).toEqual([
      [0, null],
      [student.misclustered, null],
    ]);
    // Table 3's columns in Compare's table and its exports.
    const cmp = await hkd(
      s.home,
      'compare',
      String(t.id),
      String(d.id),
      '--cluster-spread',
      '--format',
      'csv',
    );
    expect(cmp.code).toBe(0);
    const [head, ...body] = cmp.out.trim().split('\n');
    expect(head.split(',').slice(-2)).toEqual(['cluster std H@5', 'cluster std N@5']);
    // k defaults to ⌊300 / 500⌋ → 2 clusters: other numbers than above, recomputed here.
    const k2 = await analyzeClusters(s, { runs: [t.id, d.id], projection: false });
    expect(k2.k).toBe(2);
    expect(body.map((l) => l.split(',').slice(-2).map(Number))).toEqual(
      k2.runs.map((r) => [Number(r.std.H5.toFixed(4)), Number(r.std.N5.toFixed(4))]),
    );
    // What each result cost, from the runs' records, before the cluster spread.
    const cost = await hkd(s.home, 'compare', String(d.id), '--training', '--cluster-spread');
    expect(cost.out.split('\n')[0]).toMatch(
      /epochs\s+best epoch\s+s\/epoch\s+backend\s+cluster std H@5\s+cluster std N@5$/,
    );
    const dr = getRun(s, d.id);
    expect(cost.out.split('\n')[1]).toMatch(
      new RegExp(
        `\\s${dr.epochsRun}\\s+${dr.bestEpoch! + 1}\\s+${dr.trainSecondsPerEpoch!.toFixed(1)}\\s+${dr.backend}\\s`,
      ),
    );
    // The per-user paired test of the two, from the terminal: the one the Compare view shows.
    const paired = await hkd(s.home, 'paired', String(t.id), String(d.id), '--k', '5,10', '--json');
    expect(JSON.parse(paired.out)).toEqual([5, 10].map((k) => comparePaired(s, t.id, d.id, k)));
    const pairedText = (await hkd(s.home, 'paired', String(t.id), String(d.id))).out.split('\n');
    expect(pairedText[0]).toMatch(
      /^K +users +#1 H@K +#2 H@K +only #1 +only #2 +McNemar p +#1 N@K +#2 N@K +z +p$/,
    );
    expect(pairedText.slice(1, 4).map((l) => l.split(/ +/)[0])).toEqual(['5', '10', '20']);
    // Per user: activity bins in powers of two, each run's H@5 over the bin's users.
    const users = userAnalysis(s, { runs: [t.id, d.id] });
    expect(users.bins.reduce((n, b) => n + b.users, 0)).toBe(300);
    for (const b of users.bins) {
      const inBin = users.activity.flatMap((x, u) => (x >= b.from && x < b.to ? [u] : []));
      expect(b.to).toBe(2 * b.from);
      expect(b.users).toBe(inBin.length);
      users.ranks.forEach((r, k) =>
        expect(b.H5[k]).toBe(inBin.filter((u) => r.ranks[u] <= 5).length / inBin.length),
      );
    }
    expect(users.ranks[1].ranks).toEqual(Array.from(ranksOf(s, d.id)));
    const perUser = join(tempDir(), 'u.csv');
    const u = await hkd(s.home, 'analyze', 'users', String(t.id), String(d.id), '--out', perUser);
    expect(u.code).toBe(0);
    expect(u.out).toMatch(/^interactions\s+users\s+#1 H@5\s+#2 H@5/);
    const rows = readFileSync(perUser, 'utf8').trim().split('\n');
    expect(rows[0]).toBe(`user,raw_user_id,activity,rank_${t.id},rank_${d.id}`);
    expect(rows).toHaveLength(301);
    const csv = join(tempDir(), 'p.csv');
    const p = await hkd(s.home, 'analyze', 'projection', String(d.id), '--k', '4', '--out', csv);
    expect(p.code).toBe(0);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('run,user,raw_user_id,cluster,reference,x,y');
    expect(lines).toHaveLength(301);
    expect(lines[1].split(',').slice(0, 2)).toEqual([String(d.id), '0']);
    expect(lines[1].split(',').slice(3, 5)).toEqual([String(labels[0]), String(t.id)]);
  }, 120_000);

  it("scores each seed's runs in its own teacher's clusters, and results-only runs by their ranks", async () => {
    const s = new Store(tempDir());
    synthDataset(s, { name: 'demo', users: 300, items: 650, seed: 3 });
    const teach = (seed: number) =>
      runTraining(s, { dataset: 'demo', model: 'BPR', dim: 16, seed, ...FAST });
    // A distillation takes its teacher's seed and split.
    const distil = (teacher: number) =>
      runDistill(s, {
        dataset: 'demo',
        teacher,
        method: 'DE',
        studentDim: 4,
        experts: 3,
        ...FAST,
      });
    const t0 = (await teach(0)).run;
    const t1 = (await teach(1)).run;
    const d0 = (await distil(t0.id)).run;
    const d1 = (await distil(t1.id)).run;
    expect(t1.splitId).not.toBe(t0.splitId);
    const student1 = (
      await runTraining(s, { dataset: 'demo', model: 'BPR', dim: 4, seed: 1, ...FAST })
    ).run;
    const a = await analyzeClusters(s, {
      runs: [d0.id, d1.id, student1.id, t1.id],
      k: 3,
      projection: false,
    });
    // Each distilled run in its teacher's clusters; the seed-1 student and teacher in those of the
    // teacher of the distilled run on their split.
    expect(a.references.map((r) => r.run)).toEqual([t0.id, t1.id]);
    expect(a.runs.map((r) => r.reference)).toEqual([t0.id, t1.id, t1.id, t1.id]);
    const [l0, l1] = a.references.map((r) => r.labels);
    expect(l1).not.toEqual(l0);
    expect(a.runs[1].clusters).toEqual(clusterScores(l1, ranksOf(s, d1.id), 3));
    expect(a.runs[3].misclustered).toBe(0);
    // Bootstrap intervals; a paired change only for runs in the baseline's clusters.
    const boot = await analyzeClusters(s, {
      runs: [d0.id, t0.id, d1.id],
      k: 3,
      projection: false,
      bootstrap: 200,
      baseline: d0.id,
    });
    const [bd0, bt0, bd1] = boot.runs;
    for (const r of boot.runs) {
      const [lo, hi] = r.stdInterval!.H5;
      expect(lo).toBeLessThanOrEqual(hi);
    }
    expect(bd0.change).toBeUndefined();
    expect(bd1.change).toBeUndefined();
    expect(bt0.change!.H5.value).toBeCloseTo(bt0.std.H5 - bd0.std.H5, 12);
    expect(bt0.change!.N5.interval[0]).toBeLessThanOrEqual(bt0.change!.N5.interval[1]);
    await expect(
      analyzeClusters(s, { runs: [d0.id], bootstrap: 10, baseline: d1.id }),
    ).rejects.toThrow(`the baseline #${d1.id} is not among the runs analysed`);
    const cliBoot = await hkd(
      s.home,
      'analyze',
      'clusters',
      String(d0.id),
      String(t0.id),
      '--k',
      '3',
      '--no-projection',
      '--bootstrap',
      '200',
      '--baseline',
      String(d0.id),
    );
    expect(cliBoot.out.split('\n')[1]).toMatch(/std H@5 95%.*Δ std H@5 vs #\d+ \(95%\)/);
    expect(cliBoot.out.split('\n')[3]).toContain(
      `${bt0.change!.H5.value >= 0 ? '+' : ''}${bt0.change!.H5.value.toFixed(4)} (`,
    );
    expect(
      (await hkd(s.home, 'analyze', 'clusters', String(d0.id), '--baseline', String(d0.id))).err,
    ).toMatch(/--baseline needs --bootstrap/);
    // Teachers alone: each in its own clusters.
    const ts = await analyzeClusters(s, { runs: [t0.id, t1.id], k: 3, projection: false });
    expect(ts.runs.map((r) => [r.reference, r.misclustered])).toEqual([
      [t0.id, 0],
      [t1.id, 0],
    ]);
    // Asked for, one reference for all.
    const one = await analyzeClusters(s, {
      runs: [d1.id],
      k: 3,
      reference: t0.id,
      projection: false,
    });
    expect(one.runs[0].reference).toBe(t0.id);
    expect(one.runs[0].clusters).toEqual(clusterScores(l0, ranksOf(s, d1.id), 3));

    // A home with the teacher's embeddings and the student's results only (a results-only
    // bundle): Table 3's spread from its ranks, no geometry.
    const full = join(tempDir(), 'teacher.hkdb');
    const lean = join(tempDir(), 'lean.hkdb');
    exportBundle(s, [t0.id], full, { dataset: true });
    exportBundle(s, [d0.id], lean, { dataset: true, embeddings: false, gates: false });
    const e = new Store(tempDir());
    const [te] = importBundle(e, full).runs.map((r) => r.id);
    const de = importBundle(e, lean).runs.find((r) => r.added)!.id;
    const b = await analyzeClusters(e, { runs: [te, de], k: 3, projection: true });
    const mine = await analyzeClusters(s, { runs: [t0.id, d0.id], k: 3, projection: false });
    expect(b.runs[1]).toEqual({ ...mine.runs[1], run: de, reference: te, misclustered: null });
    expect(b.runs[1].points).toBeUndefined();
    expect(b.runs[0].points?.x).toHaveLength(300);
    const cli = await hkd(e.home, 'analyze', 'clusters', String(de), '--k', '3', '--no-projection');
    expect(cli.out.split('\n')[2]).toMatch(new RegExp(`^#${de}\\s+#${te}\\s+-\\s+-\\s+0\\.\\d{4}`));
    const csv = await hkd(
      e.home,
      'analyze',
      'projection',
      String(de),
      '--out',
      join(tempDir(), 'p.csv'),
    );
    expect(csv.code).toBe(2);
    expect(csv.err).toMatch(new RegExp(`#${de} came from a results-only bundle`));
  }, 120_000);
});
