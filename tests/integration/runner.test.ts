import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queueDistill, runDistill } from '../../main/ops/distill';
import { queueTraining, runTraining } from '../../main/ops/train';
import { Runner } from '../../main/runner/runner';
import {
  forkTrainer,
  trainerThreads,
  type LaunchTrainer,
} from '../../main/runner/trainer-protocol';
import { nativeBlas } from '../../main/engine/kernels/native-blas';
import { listArtifacts } from '../../main/store/artifacts';
import { Store } from '../../main/store/db';
import { lastOutput, requeueRun } from '../../main/store/queue';
import { getEpochs, getRun, listRuns } from '../../main/store/runs';
import { reapInterrupted, runPid } from '../../main/store/run-processes';
import type { RunInfo } from '../../main/contract';
import { demoStore, SMALL_DE, SMALL_TRAIN, trainedEpochs } from '../support/small-runs';
import { tempDir } from '../support/tmp';
import { HKD_BIN } from '../support/hkd-bin';

const ROOT = join(__dirname, '..', '..');
const TRAINER = join(ROOT, 'out', 'main', 'trainer.js');
const TEACHER = { ...SMALL_TRAIN, maxEpochs: 8, label: 'teacher' };
const STUDENT = SMALL_DE;

const integrity = (s: Store) => s.db.pragma('integrity_check', { simple: true });

function until(runner: Runner, done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (done()) {
        off();
        resolve();
      }
    };
    const off = runner.subscribe(check);
    check();
  });
}

/** A trainer that never reports anything and ignores cancel requests (a hung process). */
function fakeTrainer(code: string): LaunchTrainer {
  const script = join(tempDir(), 'fake-trainer.cjs');
  writeFileSync(script, code);
  return forkTrainer(script);
}

describe('trainer threads', () => {
  it('shares the cores out among the trainers that run at once, unless HKD_THREADS chose', () => {
    expect([1, 2, 3].map((c) => trainerThreads(c, 2, {}))).toEqual([2, 1, 1]);
    expect([1, 2, 3, 16].map((c) => trainerThreads(c, 8, {}))).toEqual([8, 4, 2, 1]);
    expect(trainerThreads(1, 8, { HKD_THREADS: '3' })).toBeUndefined();
  });
});

describe('runner', () => {
  it('starts queued runs in trainer processes once the runs they are built from completed', async () => {
    const s = demoStore({ users: 400, items: 650 });
    const teacher = queueTraining(s, TEACHER);
    const takd = await queueDistill(s, {
      ...STUDENT,
      teacher: teacher.id,
      method: 'TAKD-DE',
      numTas: 2,
    });
    expect(takd.prerequisites.map((r) => r.config.studentDim)).toEqual([17, 10]);
    const runner = new Runner(s, { launch: forkTrainer(TRAINER) });
    runner.setConcurrency(2);
    const seen: string[] = [];
    runner.subscribe((e) => e.type === 'run' && seen.push(`${e.run.id}:${e.run.status}`));
    runner.start();
    await runner.whenIdle();
    const runs = listRuns(s);
    expect(runs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    // Each link starts after the one it learns from finished, even with two slots.
    for (const r of runs.slice(1)) {
      const dep = getRun(s, r.teacherRunId === teacher.id && r.id !== 4 ? teacher.id : r.id - 1);
      expect(r.startedAt! >= dep.finishedAt!).toBe(true);
    }
    for (const r of runs) {
      expect(getEpochs(s, r.id)).toHaveLength(r.epochsRun);
      const kinds = listArtifacts(s, r.id).map((a) => a.kind);
      expect(kinds.sort()).toEqual(['checkpoint', 'embeddings', 'ranks', 'resume']);
      for (const a of listArtifacts(s, r.id)) expect(existsSync(join(s.home, a.path))).toBe(true);
    }
    expect(seen).toContain('4:completed');
    expect(integrity(s)).toBe('ok');
    // Two at once share the cores: each trainer's native products use its share.
    const share = trainerThreads(2, availableParallelism()) ?? Number(process.env.HKD_THREADS);
    if (nativeBlas().ok)
      for (const r of runs) expect(r.device).toContain(`${share} thread${share > 1 ? 's' : ''})`);
  }, 120_000);

  it('trainers killed with SIGKILL at random points leave interrupted runs that resume to the uninterrupted result', async () => {
    const baseline = demoStore({ users: 400, items: 650 });
    const t = (await runTraining(baseline, TEACHER)).run;
    const d = (await runDistill(baseline, STUDENT)).run;

    const s = demoStore({ users: 400, items: 650 });
    const runner = new Runner(s, { launch: forkTrainer(TRAINER) });
    runner.setConcurrency(2);
    const teacher = queueTraining(s, TEACHER);
    const { run: student } = await queueDistill(s, { ...STUDENT, teacher: teacher.id });
    let kills = 0;
    // Epochs a run had stored when it was last killed: a run is killed again only after it has
    // made progress, so a slow (loaded) machine cannot livelock the test.
    const killedAt = new Map<number, number>();
    const killer = setInterval(() => {
      // Kill a running trainer now and then, at whatever point it has reached. The first kill is
      // not left to chance: on a fast machine both runs can end before a random one comes.
      if (kills > 0 && (Math.random() > 0.15 || kills >= 8)) return;
      const running = listRuns(s).filter(
        (r) => r.status === 'running' && r.epochsRun > (killedAt.get(r.id) ?? 0),
      );
      const row = running[Math.floor(Math.random() * running.length)];
      const pid = row && runPid(s, row.id);
      if (pid && pid !== process.pid) {
        try {
          process.kill(pid, 'SIGKILL');
          killedAt.set(row.id, row.epochsRun);
          kills++;
        } catch {
          /* it had just finished */
        }
      }
    }, 20);
    runner.subscribe((e) => {
      if (e.type === 'run' && e.run.status === 'interrupted') {
        expect(integrity(s)).toBe('ok');
        runner.resume(e.run.id);
      }
    });
    runner.start();
    await until(runner, () =>
      [teacher.id, student.id].every((id) => getRun(s, id).status === 'completed'),
    );
    clearInterval(killer);
    expect(kills).toBeGreaterThan(0);
    expect(integrity(s)).toBe('ok');
    for (const [mine, want] of [
      [teacher.id, t],
      [student.id, d],
    ] as [number, RunInfo][]) {
      const got = getRun(s, mine);
      expect(trainedEpochs(s, mine).map((e) => e.epoch)).toEqual([...Array(want.epochsRun).keys()]);
      expect(trainedEpochs(s, mine)).toEqual(trainedEpochs(baseline, want.id));
      expect(got.summary).toEqual(want.summary);
    }
  }, 300_000);

  it('killing the process that owns the store mid-write loses nothing and its runs resume', async () => {
    const baseline = demoStore({ users: 400, items: 650 });
    const want = (await runTraining(baseline, { ...TEACHER, maxEpochs: 40 })).run;
    const s = demoStore({ users: 400, items: 650 });
    const id = queueTraining(s, { ...TEACHER, maxEpochs: 40 }).id;
    const home = s.home;
    s.close();
    let interrupted = 0;
    // Watches the epochs land, so each kill falls inside the training however fast this machine
    // is: a random moment after one to three more epochs have been recorded.
    const watch = new Store(home);
    for (let round = 0; round < 3; round++) {
      const owner = spawn(process.execPath, [HKD_BIN, '--home', home, 'queue'], {
        stdio: 'ignore',
      });
      const exited = new Promise<void>((r) => owner.on('exit', () => r()));
      const target = getRun(watch, id).epochsRun + 1 + Math.floor(Math.random() * 3);
      for (let t = 0; t < 1200 && getRun(watch, id).epochsRun < target; t++)
        await new Promise((r) => setTimeout(r, 25));
      await new Promise((r) => setTimeout(r, Math.random() * 150));
      owner.kill('SIGKILL');
      await exited;
      // Its trainer notices the lost runner and stops; the run is interrupted, not corrupt.
      const again = new Store(home);
      expect(integrity(again)).toBe('ok');
      for (let t = 0; t < 200 && getRun(again, id).status === 'running'; t++) {
        await new Promise((r) => setTimeout(r, 50));
        reapInterrupted(again);
      }
      const run = getRun(again, id);
      if (run.status === 'completed') {
        again.close();
        break;
      }
      expect(run.status).toBe('interrupted');
      interrupted++;
      expect(getEpochs(again, id).map((e) => e.epoch)).toEqual([...Array(run.epochsRun).keys()]);
      requeueRun(again, id);
      again.close();
    }
    watch.close();
    expect(interrupted).toBeGreaterThan(0);
    const last = new Store(home);
    const runner = new Runner(last, { launch: forkTrainer(TRAINER) });
    runner.start();
    await runner.whenIdle();
    expect(integrity(last)).toBe('ok');
    expect(trainedEpochs(last, id)).toEqual(trainedEpochs(baseline, want.id));
    expect(getRun(last, id).summary).toEqual(want.summary);
  }, 300_000);

  it('extends a completed run in a trainer process to the run started with the larger limit', async () => {
    const baseline = demoStore({ users: 400, items: 650 });
    const want = (await runTraining(baseline, TEACHER)).run;
    const s = demoStore({ users: 400, items: 650 });
    const run = queueTraining(s, { ...TEACHER, maxEpochs: 3 });
    const runner = new Runner(s, { launch: forkTrainer(TRAINER) });
    runner.start();
    await runner.whenIdle();
    expect(getRun(s, run.id)).toMatchObject({ status: 'completed', epochsRun: 3 });
    expect(runner.extend(run.id, { maxEpochs: TEACHER.maxEpochs }).status).toBe('queued');
    await runner.whenIdle();
    expect(getRun(s, run.id)).toMatchObject({ status: 'completed', summary: want.summary });
    expect(trainedEpochs(s, run.id)).toEqual(trainedEpochs(baseline, want.id));
    expect(() => runner.extend(run.id, {})).toThrow(/has trained 8 epochs, its limit/);
    expect(integrity(s)).toBe('ok');
  }, 120_000);

  it('cancels queued runs at once, running ones at a batch boundary, and kills a hung trainer', async () => {
    const s = demoStore({ users: 400, items: 650 });
    const teacher = queueTraining(s, { ...TEACHER, maxEpochs: 1000 });
    const { run: student } = await queueDistill(s, { ...STUDENT, teacher: teacher.id });
    const runner = new Runner(s, { launch: forkTrainer(TRAINER) });
    runner.start();
    await until(runner, () => getRun(s, teacher.id).epochsRun >= 2);
    runner.cancel(teacher.id);
    await until(runner, () => getRun(s, student.id).status === 'failed');
    const t = getRun(s, teacher.id);
    expect(t.status).toBe('cancelled');
    expect(t.summary?.bestEpoch).toBeGreaterThanOrEqual(0);
    expect(listArtifacts(s, t.id).map((a) => a.kind)).toContain('embeddings');
    expect(getRun(s, student.id).error).toMatch(new RegExp(`run #${teacher.id} .* cancelled`));

    const queued = queueTraining(s, TEACHER);
    const hung = new Runner(s, {
      launch: fakeTrainer('setInterval(() => {}, 1000);'),
      graceMs: 300,
    });
    hung.start();
    expect(getRun(s, queued.id).status).toBe('running');
    hung.cancel(queued.id);
    await until(hung, () => getRun(s, queued.id).status !== 'running');
    expect(getRun(s, queued.id).status).toBe('cancelled');
    expect(getRun(s, queued.id).error).toMatch(/killed after 300 ms/);

    const later = queueTraining(s, TEACHER);
    expect(runner.cancel(later.id).status).toBe('cancelled');
    expect(integrity(s)).toBe('ok');
  }, 120_000);

  it('cancels a run that another process trains (an hkd train in a terminal)', async () => {
    const s = demoStore({ users: 400, items: 650 });
    const cli = spawn(
      process.execPath,
      [
        HKD_BIN,
        '--home',
        s.home,
        'train',
        '--dataset',
        'demo',
        '--model',
        'BPR',
        '--dim',
        '8',
        '--max-epochs',
        '1000',
        '--patience',
        '1000',
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((r) => cli.on('exit', (code) => r(code)));
    while (!(listRuns(s)[0]?.epochsRun >= 1)) await new Promise((r) => setTimeout(r, 20));
    const runner = new Runner(s, { launch: forkTrainer(TRAINER) });
    runner.start();
    runner.cancel(listRuns(s)[0].id);
    expect(await exited).toBe(130);
    expect(getRun(s, listRuns(s)[0].id).status).toBe('cancelled');
  }, 60_000);

  it('a trainer that fails keeps its error and last output with the run', async () => {
    const s = demoStore({ users: 400, items: 650 });
    const id = queueTraining(s, TEACHER).id;
    const runner = new Runner(s, {
      launch: fakeTrainer(
        "console.log('loading'); console.error('error: the GPU caught fire'); process.exit(1);",
      ),
    });
    runner.start();
    await runner.whenIdle();
    const run = getRun(s, id);
    expect(run.status).toBe('failed');
    expect(run.error).toBe('the GPU caught fire');
    expect(lastOutput(s, id)).toMatch(/loading[\s\S]*GPU caught fire/);
  }, 60_000);
});
