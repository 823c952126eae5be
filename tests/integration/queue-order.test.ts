import { describe, expect, it } from 'vitest';
import { synthDataset } from '../../main/ops/datasets';
import { queueDistill } from '../../main/ops/distill';
import { queueTraining } from '../../main/ops/train';
import { Store } from '../../main/store/db';
import { cancelQueuedRun, claimNextRun, requeueInterrupted } from '../../main/store/queue';
import { queueOrder, runNext } from '../../main/store/queue-order';
import { hkd } from '../support/cli';
import { tempDir } from '../support/tmp';

const TEACHER = { dataset: 'demo', model: 'BPR', dim: 24, maxEpochs: 2, label: 'teacher' };

const rankOf = (s: Store, id: number) =>
  (s.db.prepare('SELECT queue_rank AS r FROM runs WHERE id = ?').get(id) as { r: number | null }).r;

describe('queue order', () => {
  it('moves queued runs to the front, each after the queued runs it is built from', async () => {
    const s = new Store(tempDir());
    synthDataset(s, { name: 'demo', users: 200, items: 650, seed: 4 });
    const teacher = queueTraining(s, TEACHER);
    const other = queueTraining(s, { ...TEACHER, dim: 16, label: 'other' });
    const takd = await queueDistill(s, {
      dataset: 'demo',
      teacher: teacher.id,
      method: 'TAKD-DE',
      studentDim: 4,
      numTas: 2,
    });
    const [link1, link2] = takd.prerequisites.map((r) => r.id);
    expect(queueOrder(s)).toEqual([teacher.id, other.id, link1, link2, takd.run.id]);

    // The TAKD student brings its chain and the chain's teacher, in the order they must run.
    expect(runNext(s, [takd.run.id])).toEqual([teacher.id, link1, link2, takd.run.id, other.id]);
    // The latest move goes first.
    expect(runNext(s, [other.id])).toEqual([other.id, teacher.id, link1, link2, takd.run.id]);
    expect(claimNextRun(s, process.pid)?.id).toBe(other.id);
    expect(rankOf(s, other.id)).toBeNull();
    expect(() => runNext(s, [other.id])).toThrow(
      `run #${other.id} is running; only queued runs can be moved`,
    );
    // A cancelled run leaves the order, and keeps no rank to jump the queue with later.
    const spare = queueTraining(s, { ...TEACHER, dim: 8, label: 'spare' });
    runNext(s, [spare.id]);
    expect(cancelQueuedRun(s, spare.id)).toBe(true);
    expect(rankOf(s, spare.id)).toBeNull();
    expect(queueOrder(s)).toEqual([teacher.id, link1, link2, takd.run.id]);

    // From the terminal: the queue's new order.
    const cli = await hkd(s.home, 'runs', 'next', String(link2));
    expect([cli.code, cli.err]).toEqual([
      0,
      `queue: #${teacher.id}, #${link1}, #${link2}, #${takd.run.id}`,
    ]);
    // Work already begun goes on before new work: interrupted runs queued again go to the front,
    // oldest first.
    const dead = 2 ** 22 + 1; // no such process
    const [a, b] = [16, 12].map(
      (dim) => queueTraining(s, { ...TEACHER, dim, label: `d${dim}` }).id,
    );
    runNext(s, [a, b]);
    expect([claimNextRun(s, dead)?.id, claimNextRun(s, dead)?.id]).toEqual([a, b]);
    runNext(s, [link1]);
    expect(requeueInterrupted(s)).toEqual([a, b]);
    expect(queueOrder(s)).toEqual([a, b, teacher.id, link1, link2, takd.run.id]);
    // The list says each queued run's place.
    const listed = (await hkd(s.home, 'runs', 'list')).out.split('\n');
    const statusOf = (id: number) => listed.find((l) => l.startsWith(`${id} `))?.split(/ {2,}/)[1];
    expect([a, b, teacher.id, takd.run.id, spare.id].map(statusOf)).toEqual([
      'queued (1)',
      'queued (2)',
      'queued (3)',
      'queued (6)',
      'cancelled',
    ]);
    const queued = await hkd(s.home, 'runs', 'list', '--status', 'queued,cancelled', '--json');
    expect(
      (JSON.parse(queued.out) as { runs: { id: number }[] }).runs.map((r) => r.id).sort(),
    ).toEqual([a, b, teacher.id, link1, link2, takd.run.id, spare.id].sort());
    // A distillation's sizes name its teacher's even when the filter leaves the teacher out.
    const fromOther = await queueDistill(s, {
      dataset: 'demo',
      teacher: other.id,
      method: 'DE',
      studentDim: 4,
    });
    const onlyQueued = (await hkd(s.home, 'runs', 'list', '--status', 'queued')).out.split('\n');
    expect(onlyQueued.find((l) => l.startsWith(`${fromOther.run.id} `))?.split(/ {2,}/)[4]).toBe(
      '16 → 4',
    );
    expect(onlyQueued.some((l) => l.startsWith(`${other.id} `))).toBe(false);
    // An interrupted run queued again from the terminal goes to the front, not training now.
    expect(claimNextRun(s, dead)?.id).toBe(a);
    const again = await hkd(s.home, 'runs', 'resume', String(a), '--queue');
    expect([again.code, again.err, again.out]).toEqual([
      0,
      '',
      `queued run #${a} again\nqueue: #${a}, #${b}, #${teacher.id}, #${link1}, #${link2}, #${takd.run.id}, #${fromOther.run.id}`,
    ]);
    const both = await hkd(s.home, 'runs', 'resume', String(a), '--queue', '--backend', 'wasm');
    expect([both.code, both.err]).toEqual([
      2,
      'error: --backend applies to training now, not --queue',
    ]);
    const notDone = await hkd(s.home, 'runs', 'extend', String(b), '--queue', '--max-epochs', '9');
    expect([notDone.code, notDone.err]).toEqual([
      2,
      `error: run #${b} is queued; only completed or cancelled runs can be extended`,
    ]);
    const typo = await hkd(s.home, 'runs', 'list', '--status', 'queud');
    expect([typo.code, typo.err]).toEqual([
      2,
      expect.stringContaining("unknown status 'queud'; use queued, running"),
    ]);
    const unknown = await hkd(s.home, 'runs', 'next', String(spare.id));
    expect([unknown.code, unknown.err]).toEqual([
      2,
      `error: run #${spare.id} is cancelled; only queued runs can be moved`,
    ]);
  });
});
