import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterScores, populationSd } from '../../main/analysis/clusters';
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
    expect(a.reference).toBe(t.id);
    expect(a.labels).toHaveLength(300);
    const [teacher, student] = a.runs;
    expect(teacher.misclustered).toBe(0);
    expect(student.misclustered).toBeGreaterThan(0);
    expect(student.misclustered).toBeLessThan(1);
    for (const r of a.runs) {
      expect(r.clusters.reduce((n, c) => n + c.size, 0)).toBe(300);
      const again = clusterScores(a.labels, ranksOf(s, r.run), 4);
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
    expect(lines[0]).toBe('run,user,raw_user_id,cluster,x,y');
    expect(lines).toHaveLength(301);
    expect(lines[1].split(',').slice(0, 2)).toEqual([String(d.id), '0']);
  }, 120_000);
});
