import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../main/data/rng';
import { synthDataset } from '../../main/ops/datasets';
import { resumeRun } from '../../main/ops/resume';
import { runTraining } from '../../main/ops/train';
import { runCli } from '../../main/cli/program';
import { runDistill } from '../../main/ops/distill';
import { Store } from '../../main/store/db';
import { getEpochs, getRun, listRuns, reapInterrupted } from '../../main/store/runs';
import { tempDir } from '../support/tmp';

const BIN = join(__dirname, '..', '..', 'bin', 'hkd.cjs');
const TRAIN = {
  dataset: 'demo',
  model: 'BPR',
  dim: 24,
  lr: 0.01,
  reg: 1e-4,
  batch: 64,
  maxEpochs: 10,
  patience: 100,
};
const DISTILL = {
  dataset: 'demo',
  teacher: 'teacher',
  method: 'HyperKDMA-DE',
  studentDim: 4,
  numTas: 2,
  experts: 3,
  batch: 128,
  maxEpochs: 6,
  patience: 100,
};

function freshStore(): Store {
  const s = new Store(tempDir());
  synthDataset(s, { name: 'demo', users: 500, items: 700, seed: 4 });
  return s;
}

const argv = (cfg: Record<string, unknown>) =>
  Object.entries(cfg).flatMap(([k, v]) => [
    `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    String(v),
  ]);

/** Starts the CLI on `args` and SIGKILLs it once `epochs` epoch records of its run exist. */
async function killAfter(
  store: Store,
  args: string[],
  runIndex: number,
  epochs: number,
): Promise<number> {
  const child = spawn(process.execPath, [BIN, '--home', store.home, ...args], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  for (;;) {
    const run = listRuns(store)[runIndex];
    if (run && run.epochsRun >= epochs) break;
    if (child.exitCode !== null) throw new Error('the trainer finished before it could be killed');
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  await exited;
  return listRuns(store)[runIndex].id;
}

const strip = (e: ReturnType<typeof getEpochs>) =>
  e.map(({ epoch, losses, valid, test }) => ({ epoch, losses, valid, test }));

describe('crash-safe runs', () => {
  it('a training process killed at random points resumes to exactly the uninterrupted result', async () => {
    const baseline = freshStore();
    const want = (await runTraining(baseline, TRAIN)).run;
    const wantEpochs = strip(getEpochs(baseline, want.id));
    const rng = Rng.seeded(11);
    for (let trial = 0; trial < 3; trial++) {
      const store = freshStore();
      const killAt = 1 + rng.int(8);
      const id = await killAfter(store, ['train', ...argv(TRAIN)], 0, killAt);
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(reapInterrupted(store)).toEqual([id]);
      const killed = getRun(store, id);
      expect(killed.status).toBe('interrupted');
      // Every finished epoch the process recorded is still there.
      expect(getEpochs(store, id).map((e) => e.epoch)).toEqual([...Array(killed.epochsRun).keys()]);
      expect(killed.epochsRun).toBeGreaterThanOrEqual(killAt);
      const resumed = (await resumeRun(store, id)).run;
      expect(resumed.status).toBe('completed');
      expect(strip(getEpochs(store, id))).toEqual(wantEpochs);
      expect(resumed.summary).toEqual(want.summary);
      expect(resumed.bestEpoch).toBe(want.bestEpoch);
      store.close();
    }
    baseline.close();
  });

  it('Ctrl-C cancels at a batch boundary and keeps the best epoch (a second one exits like kill -9)', async () => {
    const store = freshStore();
    const long = ['train', ...argv({ ...TRAIN, maxEpochs: 500 }), '--json'];
    const interruptAfter = async (epochs: number) => {
      const child = spawn(process.execPath, [BIN, '--home', store.home, ...long], {
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
    expect(result).toMatchObject({ runId: once.id, status: 'cancelled' });
    expect(result.bestEpoch).toBeGreaterThanOrEqual(0);
    expect(getRun(store, once.id)).toMatchObject({ status: 'cancelled' });
    await expect(resumeRun(store, once.id)).rejects.toThrow(/cancelled/);

    store.close();
  });

  it('hkd runs cancel stops a run trained by another process at its next batch', async () => {
    const store = freshStore();
    const child = spawn(
      process.execPath,
      [BIN, '--home', store.home, 'train', ...argv({ ...TRAIN, maxEpochs: 500, patience: 500 })],
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
      const s = freshStore();
      await runTraining(s, { ...TRAIN, maxEpochs: 3, label: 'teacher' });
      return s;
    };
    const baseline = await prepare();
    const want = (await runDistill(baseline, DISTILL)).run;
    const store = await prepare();
    const id = await killAfter(store, ['distill', ...argv(DISTILL)], 1, 3);
    reapInterrupted(store);
    expect(getRun(store, id).status).toBe('interrupted');
    const resumed = (await resumeRun(store, id)).run;
    expect(strip(getEpochs(store, id))).toEqual(strip(getEpochs(baseline, want.id)));
    expect(resumed.summary).toEqual(want.summary);
    await expect(resumeRun(store, id)).rejects.toThrow(/is completed; only interrupted or failed/);
    store.close();
    baseline.close();
  });
});
