import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bestSoFar } from '../../main/shared/best-so-far';
import { median } from '../../main/shared/mean-sd';
import { Rng } from '../../main/data/rng';
import {
  discardTrainingState,
  extendRun,
  reopenForExtension,
  resumeRun,
} from '../../main/ops/resume';
import { runTraining } from '../../main/ops/train';
import { runCli } from '../../main/cli/program';
import { runDistill } from '../../main/ops/distill';
import { listArtifacts, recordArtifact } from '../../main/store/artifacts';
import { ranksOf } from '../../main/ops/paired-runs';
import { checkpointProgress } from '../../main/store/checkpoints';
import { migrate, Store } from '../../main/store/db';
import { getEpochs, getRun, listRuns } from '../../main/store/runs';
import { reapInterrupted } from '../../main/store/run-processes';
import type { RunInfo } from '../../main/contract';
import {
  cancelledRun,
  cliFlags,
  demoStore,
  SMALL_HYPERKDMA,
  SMALL_TRAIN,
  trainedEpochs,
} from '../support/small-runs';
import { killAfter } from '../support/kill-after';
import { HKD_BIN } from '../support/hkd-bin';
const DISTILL = SMALL_HYPERKDMA;
const argv = cliFlags;

describe('crash-safe runs', () => {
  it('a training process killed at random points resumes to exactly the uninterrupted result', async () => {
    const baseline = demoStore();
    const want = (await runTraining(baseline, SMALL_TRAIN)).run;
    const wantEpochs = trainedEpochs(baseline, want.id);
    const rng = Rng.seeded(11);
    for (let trial = 0; trial < 3; trial++) {
      const store = demoStore();
      const killAt = 1 + rng.int(8);
      const id = await killAfter(store, ['train', ...argv(SMALL_TRAIN)], 0, killAt);
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(reapInterrupted(store)).toEqual([id]);
      const killed = getRun(store, id);
      expect(killed.status).toBe('interrupted');
      // Every finished epoch the process recorded is still there.
      expect(getEpochs(store, id).map((e) => e.epoch)).toEqual([...Array(killed.epochsRun).keys()]);
      expect(killed.epochsRun).toBeGreaterThanOrEqual(killAt);
      // Before it resumes, the run shows the epoch it would report if it stopped now.
      const shown: string[] = [];
      const io = { out: (t: string) => shown.push(t), err: () => {}, tty: false };
      expect(await runCli(['--home', store.home, 'runs', 'show', String(id), '--json'], io)).toBe(
        0,
      );
      const soFar = bestSoFar(wantEpochs.slice(0, killed.epochsRun))!;
      expect(JSON.parse(shown.join('')).run.live).toMatchObject({
        bestEpoch: soFar.epoch,
        bestValidH5: soFar.valid.H5,
      });
      shown.length = 0;
      await runCli(['--home', store.home, 'runs', 'show', String(id)], io);
      const pace = median(getEpochs(store, id).map((e) => e.trainSeconds));
      expect(shown.join('')).toContain(
        `epochs ${killed.epochsRun}, best ${soFar.epoch + 1} so far (unfinished); ${pace.toFixed(2)} s/epoch training`,
      );
      expect(shown.join('')).toContain(`test  H@5 ${soFar.test.H5.toFixed(4)}`);
      const resumed = (await resumeRun(store, id)).run;
      expect(resumed.status).toBe('completed');
      expect(trainedEpochs(store, id)).toEqual(wantEpochs);
      expect(resumed.summary).toEqual(want.summary);
      expect(resumed.bestEpoch).toBe(want.bestEpoch);
      expect(bestSoFar(wantEpochs)?.epoch).toBe(want.bestEpoch);
      store.close();
    }
    baseline.close();
  });

  it('hkd queue --resume-interrupted continues runs left interrupted by a crash, to the uninterrupted result', async () => {
    const baseline = demoStore();
    const want = trainedEpochs(baseline, (await runTraining(baseline, SMALL_TRAIN)).run.id);
    const store = demoStore();
    const id = await killAfter(store, ['train', ...argv(SMALL_TRAIN)], 0, 3);
    // Not yet reaped: the queue finds the dead process itself.
    expect(getRun(store, id).status).toBe('running');
    const queue = () =>
      spawnSync(
        process.execPath,
        [HKD_BIN, '--home', store.home, 'queue', '--resume-interrupted'],
        {
          encoding: 'utf8',
        },
      );
    const first = queue();
    expect(first.status).toBe(0);
    expect(first.stderr.split('\n').slice(0, 2)).toEqual([`queued again: #${id}`, `queue: #${id}`]);
    expect(getRun(store, id).status).toBe('completed');
    expect(trainedEpochs(store, id)).toEqual(want);
    // Nothing left to resume: the queue says nothing of it.
    const second = queue();
    expect([second.status, second.stderr]).toEqual([0, '']);
  }, 120_000);

  it('Ctrl-C cancels at a batch boundary and keeps the best epoch (a second one exits like kill -9)', async () => {
    const store = demoStore();
    const long = ['train', ...argv({ ...SMALL_TRAIN, maxEpochs: 500 }), '--json'];
    const interruptAfter = async (epochs: number) => {
      const child = spawn(process.execPath, [HKD_BIN, '--home', store.home, ...long], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      const index = listRuns(store).length;
      while ((listRuns(store)[index]?.epochsRun ?? 0) < epochs)
        await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGINT');
      return { code: await code, stdout, id: listRuns(store)[index].id };
    };
    const once = await interruptAfter(2);
    expect(once.code).toBe(130);
    const result = JSON.parse(once.stdout);
    expect(result).toMatchObject({ id: once.id, status: 'cancelled' });
    expect(result.bestEpoch).toBeGreaterThanOrEqual(0);
    expect(getRun(store, once.id)).toMatchObject({ status: 'cancelled' });
    await expect(resumeRun(store, once.id)).rejects.toThrow(/cancelled/);

    store.close();
  });

  it('hkd runs cancel stops a run trained by another process at its next batch', async () => {
    const store = demoStore();
    const child = spawn(
      process.execPath,
      [
        HKD_BIN,
        '--home',
        store.home,
        'train',
        ...argv({ ...SMALL_TRAIN, maxEpochs: 500, patience: 500 }),
      ],
      {
        stdio: 'ignore',
      },
    );
    const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    while ((listRuns(store)[0]?.epochsRun ?? 0) < 2) await new Promise((r) => setTimeout(r, 5));
    const io = { out: () => {}, err: () => {}, tty: false };
    expect(await runCli(['--home', store.home, 'runs', 'cancel', '1'], io)).toBe(0);
    expect(await code).toBe(130);
    expect(getRun(store, 1).status).toBe('cancelled');
    const again: string[] = [];
    expect(
      await runCli(['--home', store.home, 'runs', 'cancel', '1'], {
        ...io,
        err: (s) => again.push(s),
      }),
    ).toBe(2);
    expect(again.join('')).toMatch(/only running runs can be cancelled/);
    store.close();
  });

  it('a distillation run (Gumbel noise, hypernet, gate) resumes exactly too', async () => {
    const prepare = async () => {
      const s = demoStore();
      await runTraining(s, { ...SMALL_TRAIN, maxEpochs: 3, label: 'teacher' });
      return s;
    };
    const baseline = await prepare();
    const want = (await runDistill(baseline, DISTILL)).run;
    const store = await prepare();
    const id = await killAfter(store, ['distill', ...argv(DISTILL)], 1, 3);
    reapInterrupted(store);
    expect(getRun(store, id).status).toBe('interrupted');
    const resumed = (await resumeRun(store, id)).run;
    expect(trainedEpochs(store, id)).toEqual(trainedEpochs(baseline, want.id));
    expect(resumed.summary).toEqual(want.summary);
    await expect(resumeRun(store, id)).rejects.toThrow(/is completed; only interrupted or failed/);
    store.close();
    baseline.close();
  });
});

describe('extending a finished run', () => {
  const sameArtifacts = (a: Store, aId: number, b: Store, bId: number) => {
    const hashes = (s: Store, id: number) =>
      listArtifacts(s, id)
        .filter((f) => f.kind !== 'resume')
        .map((f) => [f.kind, f.sha256]);
    expect(hashes(a, aId)).toEqual(hashes(b, bId));
  };

  it('continues an early-stopped run to exactly the run started with the larger limits', async () => {
    const wide = { ...SMALL_TRAIN, maxEpochs: 14, patience: 4 };
    const baseline = demoStore();
    const want = (await runTraining(baseline, wide)).run;
    const store = demoStore();
    const short = (await runTraining(store, { ...wide, patience: 1 })).run;
    // Patience 1 stops it at its first epoch without a better validation H@5, before the limit.
    expect(short.epochsRun).toBeLessThan(wide.maxEpochs);
    expect(short.status).toBe('completed');
    // Its last epoch's state is kept, whatever the checkpoint schedule skipped.
    expect(checkpointProgress(store, short.id)?.epochsDone).toBe(short.epochsRun);

    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: () => {}, tty: false };
    const argvExtend = ['runs', 'extend', String(short.id), '--patience', '4', '--json'];
    expect(await runCli(['--home', store.home, ...argvExtend, '--max-epochs', '14'], io)).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ id: short.id, status: 'completed' });
    const extended = getRun(store, short.id);
    expect(extended.config).toMatchObject({ patience: 4, maxEpochs: 14 });
    expect(trainedEpochs(store, short.id)).toEqual(trainedEpochs(baseline, want.id));
    expect(extended.summary).toEqual(want.summary);
    expect(extended.epochsRun).toBe(want.epochsRun);
    sameArtifacts(store, short.id, baseline, want.id);
    store.close();
    baseline.close();
  });

  it('continues a run that hit its epoch limit, and a cancelled one from its last checkpoint', async () => {
    const baseline = demoStore();
    const want = (await runTraining(baseline, SMALL_TRAIN)).run;
    const store = demoStore();
    const first = (await runTraining(store, { ...SMALL_TRAIN, maxEpochs: 4 })).run;
    expect(first.epochsRun).toBe(4);
    const extended = (await extendRun(store, first.id, { maxEpochs: SMALL_TRAIN.maxEpochs })).run;
    expect(trainedEpochs(store, first.id)).toEqual(trainedEpochs(baseline, want.id));
    expect(extended.summary).toEqual(want.summary);
    sameArtifacts(store, first.id, baseline, want.id);

    const cancelled = await cancelledRun(store, 3);
    expect(cancelled.status).toBe('cancelled');
    const continued = (await extendRun(store, cancelled.id, {})).run;
    expect(continued.status).toBe('completed');
    expect(trainedEpochs(store, cancelled.id)).toEqual(trainedEpochs(baseline, want.id));
    store.close();
    baseline.close();
  });

  it('a reopened run keeps no results of its earlier finish: its best comes from its epochs', async () => {
    const store = demoStore();
    const run = await cancelledRun(store, 3);
    const stale = getRun(store, run.id);
    expect(stale.summary?.bestEpoch).toBeGreaterThanOrEqual(0);
    const results = listArtifacts(store, run.id).filter((a) => a.kind !== 'resume');
    expect(results.map((a) => a.kind).sort()).toEqual(['checkpoint', 'embeddings', 'ranks']);
    const shown = (r: RunInfo) => ({
      summary: r.summary,
      bestEpoch: r.bestEpoch,
      seconds: r.trainSecondsPerEpoch,
      best: r.live?.bestEpoch,
      kinds: listArtifacts(store, r.id).map((a) => a.kind),
    });
    const fromEpochs = bestSoFar(getEpochs(store, run.id))?.epoch;
    expect(shown(reopenForExtension(store, run.id, {}, 'queued'))).toEqual({
      summary: null,
      bestEpoch: null,
      seconds: null,
      best: fromEpochs,
      kinds: ['resume'],
    });
    expect(results.filter((a) => existsSync(join(store.home, a.path)))).toEqual([]);
    // `hkd paired` read the old per-user ranks as the run's own.
    expect(() => ranksOf(store, run.id)).toThrow(/has no per-user ranks \(it has not completed\)/);
    // A store from before the fix: its reopened runs lose what they kept.
    store.db
      .prepare('UPDATE runs SET best_epoch = ?, summary_json = ? WHERE id = ?')
      .run(stale.bestEpoch, JSON.stringify(stale.summary), run.id);
    const ranks = results.find((a) => a.kind === 'ranks')!;
    recordArtifact(store, { runId: run.id }, ranks);
    store.db.pragma('user_version = 8');
    migrate(store.db);
    expect(shown(getRun(store, run.id))).toMatchObject({ summary: null, kinds: ['resume'] });
    store.close();
  });

  it('refuses, saying why, what it cannot continue exactly', async () => {
    const store = demoStore();
    const teacher = (await runTraining(store, { ...SMALL_TRAIN, maxEpochs: 3, label: 'teacher' }))
      .run;
    const lone = (await runTraining(store, { ...SMALL_TRAIN, maxEpochs: 3 })).run;
    await expect(extendRun(store, lone.id, {})).rejects.toThrow(/has trained 3 epochs, its limit/);
    const impatient = (await runTraining(store, { ...SMALL_TRAIN, patience: 1 })).run;
    expect(impatient.epochsRun).toBeLessThan(SMALL_TRAIN.maxEpochs);
    await expect(extendRun(store, impatient.id, {})).rejects.toThrow(
      /went 1 epoch past its best \(epoch \d+\), its patience; give a patience above 1/,
    );
    await expect(extendRun(store, lone.id, { maxEpochs: 2 })).rejects.toThrow(
      /the epoch limit can only grow \(it is 3\)/,
    );
    await runDistill(store, { ...DISTILL, maxEpochs: 2 });
    await expect(extendRun(store, teacher.id, { maxEpochs: 5 })).rejects.toThrow(
      new RegExp(
        `run #${teacher.id} is a source of run #${impatient.id + 1}; extending it would change`,
      ),
    );
    // A TAKD run's links were trained with its limits: larger ones would change them too.
    const takd = (await runDistill(store, { ...DISTILL, method: 'TAKD-DE', maxEpochs: 2 })).run;
    await expect(extendRun(store, takd.id, { maxEpochs: 3 })).rejects.toThrow(
      new RegExp(
        `learned through runs trained with its own patience and epoch limit \\(#${takd.id - 1}:`,
      ),
    );
    // A run whose state was discarded (or that finished before runs kept it).
    const state = listArtifacts(store, lone.id).find((a) => a.kind === 'resume')!;
    expect(discardTrainingState(store, lone.id)).toBe(state.bytes);
    expect(existsSync(join(store.home, state.path))).toBe(false);
    expect(() => discardTrainingState(store, lone.id)).toThrow(/keeps no training state/);
    await expect(extendRun(store, lone.id, { maxEpochs: 5 })).rejects.toThrow(
      /kept no training state to continue from/,
    );
    // Nothing was changed by a refusal.
    expect(getRun(store, lone.id)).toMatchObject({ status: 'completed', config: { maxEpochs: 3 } });
    store.close();
  });
});
