import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../main/cli/program';
import { exportBundle } from '../../main/ops/bundle-export';
import { importBundle } from '../../main/ops/bundle-import';
import { queueDistill, runDistill } from '../../main/ops/distill';
import { replayAndTrain, replayRun } from '../../main/ops/replay';
import { deviceThreads } from '../../main/ops/replay-check';
import { runTraining } from '../../main/ops/train';
import { Runner } from '../../main/runner/runner';
import { forkTrainer } from '../../main/runner/trainer-protocol';
import { findArtifact, listArtifacts } from '../../main/store/artifacts';
import type { ApiEvent } from '../../main/contract';
import { executeStoredRun, resumeRun } from '../../main/ops/resume';
import { StoreWatcher } from '../../main/runner/store-watcher';
import { Store } from '../../main/store/db';
import { dependenciesOf } from '../../main/store/queue';
import { findRun, getEpochs, getRun, listRuns } from '../../main/store/runs';
import { checkpointProgress } from '../../main/store/checkpoints';
import { reapInterrupted } from '../../main/store/run-processes';
import { demoStore, SMALL_DE, SMALL_TRAIN } from '../support/small-runs';
import { killAfter } from '../support/kill-after';
import { tempDir } from '../support/tmp';

const TRAINER = join(__dirname, '..', '..', 'out', 'main', 'trainer.js');
const TEACHER = { ...SMALL_TRAIN, maxEpochs: 4, label: 'teacher' };
const STUDENT = { ...SMALL_DE, maxEpochs: 2 };

const sha = (s: Store, id: number, kind: string) => findArtifact(s, { runId: id }, kind)?.sha256;

/**
 * A home holding, from a results-only bundle, a teacher and its DE student trained elsewhere, and
 * the home they were trained in.
 */
async function resultsOnly(teacherConfig = TEACHER) {
  const origin = demoStore();
  const teacher = (await runTraining(origin, teacherConfig)).run;
  const student = (await runDistill(origin, STUDENT)).run;
  const file = join(tempDir(), 'results.hkdb');
  exportBundle(origin, [student.id], file, { embeddings: false });
  const home = demoStore();
  const ids = importBundle(home, file).runs.map((r) => r.id);
  const [t, st] = [0, 1].map((i) => listRuns(home).find((r) => r.id === ids[i])!);
  expect(t.kind === 'train' && st.kind === 'distill').toBe(true);
  return { origin, teacher, student, home, file, t: t.id, st: st.id };
}

describe('replaying a recorded run', () => {
  it("restores a results-only teacher's and student's files, epoch for epoch, into the runs themselves", async () => {
    const { origin, teacher, student, home, t, st } = await resultsOnly();
    expect(sha(home, t, 'embeddings')).toBeUndefined();
    await expect(runDistill(home, { ...STUDENT, teacher: t })).rejects.toThrow(
      `hkd runs replay ${t}`,
    );
    expect(() => replayRun(home, st, 'queued')).toThrow(`hkd runs replay ${t}`);
    await expect(queueDistill(home, { ...STUDENT, teacher: t })).rejects.toThrow(
      `run #${t} has no representations here`,
    );
    const recorded = getEpochs(home, t);
    const runsBefore = listRuns(home).length;

    const out: string[] = [];
    const io = { out: (x: string) => out.push(x), err: () => {}, tty: false };
    const show = async () => {
      out.length = 0;
      expect(await runCli(['--home', home.home, 'runs', 'show', String(t)], io)).toBe(0);
      return out.join('');
    };
    expect(await show()).toContain(
      `results only: no representations here; \`hkd runs replay ${t}\``,
    );
    out.length = 0;
    expect(await runCli(['--home', home.home, 'runs', 'replay', String(t), '--json'], io)).toBe(0);
    // The outcome is the recorded run, with the files its training writes and its epochs as
    // they were; the replay itself is gone.
    expect(JSON.parse(out.join(''))).toMatchObject({ id: t, status: 'completed' });
    for (const kind of ['embeddings', 'checkpoint', 'resume'])
      expect(sha(home, t, kind)).toBe(sha(origin, teacher.id, kind));
    expect(getEpochs(home, t)).toEqual(recorded);
    expect(listRuns(home)).toHaveLength(runsBefore);
    for (const a of listArtifacts(home, t)) {
      expect(a.path.startsWith(join('runs', `${t}`))).toBe(true);
      expect(existsSync(join(home.home, a.path))).toBe(true);
    }
    expect(existsSync(join(home.home, 'runs', `${runsBefore + 1}`))).toBe(false);
    expect(await show()).not.toContain('results only');

    // The student learns from the restored teacher as it did from the original.
    const restored = (await replayAndTrain(home, st)).run;
    expect(restored).toMatchObject({ id: st, status: 'completed', summary: student.summary });
    expect(sha(home, st, 'embeddings')).toBe(sha(origin, student.id, 'embeddings'));
  });

  it('fails at the first epoch that differs from the record, naming it, and leaves the run as it was', async () => {
    const { home, t } = await resultsOnly();
    const row = home.db
      .prepare('SELECT valid_json FROM epochs WHERE run_id = ? AND epoch = 2')
      .get(t) as { valid_json: string };
    const valid = JSON.parse(row.valid_json) as Record<string, number>;
    home.db
      .prepare('UPDATE epochs SET valid_json = ? WHERE run_id = ? AND epoch = 2')
      .run(JSON.stringify({ ...valid, N10: valid.N10 + 1e-9 }), t);
    await expect(replayAndTrain(home, t)).rejects.toThrow(
      `replay of run #${t} differs at epoch 3: validation N@10 ${valid.N10} here, ${valid.N10 + 1e-9} recorded`,
    );
    const replay = listRuns(home).find((r) => r.replayOf === t)!;
    expect(replay).toMatchObject({ status: 'failed', label: 'teacher (replay)', epochsRun: 3 });
    expect(replay.error).toMatch(/^replay of run #\d+ differs at epoch 3/);
    expect(replay.error).toContain(`recorded on ${getRun(home, t).device}, replayed on cpu (`);
    expect(sha(home, t, 'embeddings')).toBeUndefined();
    expect(() => replayRun(home, replay.id, 'queued')).toThrow('is itself a replay');
  });

  it('queues students behind their teacher’s replay; the runner folds each replay into its run', async () => {
    const { origin, teacher, student, home, t, st } = await resultsOnly();
    const first = replayRun(home, t, 'queued');
    expect(() => replayRun(home, t, 'queued')).toThrow(
      `already being replayed by run #${first.id}`,
    );
    const second = replayRun(home, st, 'queued');
    const fresh = (await queueDistill(home, { ...STUDENT, teacher: t, label: 'fresh' })).run;
    for (const r of [second, fresh])
      expect(dependenciesOf(home, r.id).map((d) => d.id)).toContain(first.id);
    const runner = new Runner(home, { launch: forkTrainer(TRAINER) });
    const seen: number[] = [];
    const removed: number[] = [];
    await new Promise<void>((resolve) => {
      const off = runner.subscribe((e) => {
        if (e.type === 'run') seen.push(e.run.id);
        if (e.type === 'removed') removed.push(...e.ids);
        if (listRuns(home).every((r) => r.status === 'completed')) {
          off();
          resolve();
        }
      });
      runner.schedule();
    });
    runner.stop();
    expect(listRuns(home).map((r) => r.id)).toEqual([t, st, fresh.id]);
    expect(sha(home, t, 'embeddings')).toBe(sha(origin, teacher.id, 'embeddings'));
    for (const id of [st, fresh.id])
      expect(sha(home, id, 'embeddings')).toBe(sha(origin, student.id, 'embeddings'));
    // Watchers are told the replays are gone and the recorded runs changed.
    expect(removed.sort()).toEqual([first.id, second.id]);
    expect(seen).toEqual(expect.arrayContaining([t, st]));
    expect(() => replayRun(home, t, 'queued')).not.toThrow();
  });

  it('a replay killed mid-run resumes from its last checkpoint and still checks every epoch after it', async () => {
    // Long enough to be killed in the middle: a session's end while a teacher is replayed.
    const { origin, teacher, home, file, t } = await resultsOnly({
      ...SMALL_TRAIN,
      label: 'teacher',
    });
    const recorded = getEpochs(home, t);
    const killed = async (store: Store, run: number) => {
      const id = await killAfter(store, ['runs', 'replay', String(run)], 2, 3);
      expect(reapInterrupted(store)).toEqual([id]);
      // Its checkpoint trails its last recorded epoch by at most the one being written.
      const progress = checkpointProgress(store, id)?.epochsDone ?? 0;
      expect(progress).toBeGreaterThanOrEqual(2);
      expect(progress).toBeLessThan(recorded.length);
      return id;
    };

    const id = await killed(home, t);
    const resumed = (await resumeRun(home, id)).run;
    expect(resumed).toMatchObject({ id: t, status: 'completed' });
    expect(sha(home, t, 'embeddings')).toBe(sha(origin, teacher.id, 'embeddings'));
    expect(getEpochs(home, t)).toEqual(recorded);
    expect(findRun(home, id)).toBeUndefined();

    // An epoch after the checkpoint that differs from the record still fails the resumed replay.
    const other = demoStore();
    const [t2] = importBundle(other, file).runs.map((r) => r.id);
    const again = await killed(other, t2);
    const last = recorded.length - 1;
    other.db
      .prepare('UPDATE epochs SET test_json = ? WHERE run_id = ? AND epoch = ?')
      .run(JSON.stringify({ ...recorded[last].test, H5: recorded[last].test.H5 + 1e-9 }), t2, last);
    await expect(resumeRun(other, again)).rejects.toThrow(
      `replay of run #${t2} differs at epoch ${last + 1}: test H@5`,
    );
    expect(sha(other, t2, 'embeddings')).toBeUndefined();
  }, 120_000);

  it('tells an open window when another process folds a replay into its run', async () => {
    const { home, t } = await resultsOnly();
    const events: ApiEvent[] = [];
    const watcher = new StoreWatcher(home, (e) => events.push(e));
    const other = new Store(home.home);
    const replay = replayRun(other, t, 'interrupted');
    watcher.check();
    await executeStoredRun(other, getRun(other, replay.id));
    watcher.check();
    expect(events.filter((e) => e.type === 'removed')).toEqual([
      { type: 'removed', ids: [replay.id] },
    ]);
    expect(sha(home, t, 'embeddings')).toBeDefined();
  });

  it("replays on the recorded run's threads, which its device names", () => {
    expect(deviceThreads('cpu (wasm simd + OpenBLAS Zen sgemm, 1 thread)')).toBe(1);
    expect(deviceThreads('cpu (wasm simd + Accelerate sgemm, 8 threads)')).toBe(8);
    expect(
      deviceThreads('cpu (wasm simd, 1 thread; no native BLAS: HKD_NATIVE=0)'),
    ).toBeUndefined();
    expect(deviceThreads(null)).toBeUndefined();
  });
});
