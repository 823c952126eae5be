import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaySelection } from '../../main/shared/model-selection';
import { runCli } from '../../main/cli/program';
import { exportBundle } from '../../main/ops/bundle-export';
import { importBundle } from '../../main/ops/bundle-import';
import { lineage } from '../../main/ops/lineage';
import { branchAndTrain, branchRun } from '../../main/ops/branch';
import { runDistill } from '../../main/ops/distill';
import { executeStoredRun, extendRun } from '../../main/ops/resume';
import { runTraining } from '../../main/ops/train';
import { findArtifact, listArtifacts } from '../../main/store/artifacts';
import { readCheckpoint } from '../../main/store/checkpoint-file';
import { Store } from '../../main/store/db';
import { getEpochs, getRun, listRuns } from '../../main/store/runs';
import { cancelledRun, demoStore, SMALL_TRAIN, trainedEpochs } from '../support/small-runs';
import { tempDir } from '../support/tmp';

/** Every file a finished run wrote (parameters, representations, ranks) but its checkpoint. */
const hashes = (s: Store, id: number) =>
  listArtifacts(s, id)
    .filter((f) => f.kind !== 'resume')
    .map((f) => [f.kind, f.sha256]);

/** A run's record and files, to check that branching it changed nothing. */
const snapshotOf = (s: Store, id: number) => ({
  run: getRun(s, id),
  epochs: getEpochs(s, id),
  files: listArtifacts(s, id),
});

describe('branching a finished run into a new one', () => {
  it('continues under larger limits to exactly the run started with them, and leaves the source as it was', async () => {
    const wide = { ...SMALL_TRAIN, maxEpochs: 14, patience: 4 };
    const baseline = demoStore();
    const want = (await runTraining(baseline, wide)).run;
    const store = demoStore();
    const short = (await runTraining(store, { ...wide, patience: 1, label: 'short' })).run;
    expect(short.epochsRun).toBeLessThan(want.epochsRun);
    const before = snapshotOf(store, short.id);

    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: () => {}, tty: false };
    const argv = ['runs', 'branch', String(short.id), '--patience', '4', '--json'];
    expect(await runCli(['--home', store.home, ...argv], io)).toBe(0);
    const branch = getRun(store, JSON.parse(out.join('')).id);
    expect(branch.id).not.toBe(short.id);
    expect(branch).toMatchObject({ status: 'completed', label: 'short → patience 4' });
    expect(branch.config).toMatchObject({
      patience: 4,
      maxEpochs: 14,
      label: 'short → patience 4',
    });
    expect(trainedEpochs(store, branch.id)).toEqual(trainedEpochs(baseline, want.id));
    expect(branch.summary).toEqual(want.summary);
    expect(hashes(store, branch.id)).toEqual(hashes(baseline, want.id));
    expect(snapshotOf(store, short.id)).toEqual(before);
    // Its lineage names the run it continues, in this home and wherever a bundle takes them,
    // whichever of the two the bundle holds first.
    expect(branch.branchOf).toBe(short.id);
    expect(lineage(store, branch.id).sources).toEqual([
      expect.objectContaining({ role: 'continues', id: short.id, changedSince: false }),
    ]);
    const file = join(tempDir(), 'branch.hkdb');
    exportBundle(store, [branch.id, short.id], file);
    const elsewhere = demoStore();
    const got = importBundle(elsewhere, file).runs;
    const idOf = (uid: string) => got.find((r) => r.uid === uid)!.id;
    expect(getRun(elsewhere, idOf(branch.uid)).branchOf).toBe(idOf(short.uid));
    store.close();
    baseline.close();
    elsewhere.close();
  });

  it("switches to the authors' early stopping: the kept epoch is chosen again, as a run started with it", async () => {
    const anyRule = { ...SMALL_TRAIN, patience: 1, earlyStop: 'any' as const };
    const baseline = demoStore();
    const want = (await runTraining(baseline, anyRule)).run;
    const store = demoStore();
    // Patience 1 stops an h5 run at its first epoch without a better H@5: `any` keeps that last
    // epoch if it betters H@10 or H@20 (so its parameters are the run's last), else the best.
    const source = (await runTraining(store, { ...SMALL_TRAIN, patience: 1 })).run;
    const sel = replaySelection('any', getEpochs(store, source.id));
    const branch = branchRun(store, source.id, { earlyStop: 'any' }, 'queued');
    expect(branch).toMatchObject({
      status: 'queued',
      epochsRun: source.epochsRun,
      config: { earlyStop: 'any', patience: 1 },
    });
    const state = readCheckpoint(
      store.home,
      findArtifact(store, { runId: branch.id }, 'resume')!.path,
    );
    expect([state.bestEpoch, state.sinceBest, state.byK]).toEqual([
      sel.bestEpoch,
      sel.sinceBest,
      sel.byK,
    ]);
    // Here the last epoch bettered H@20 and is the one kept: its ranks are recomputed before
    // training goes on.
    expect(sel.bestEpoch).not.toBe(source.bestEpoch);
    expect([sel.bestEpoch, state.bestRanksPending]).toEqual([source.epochsRun - 1, true]);
    // Cancelled before its first epoch, the branch reports that epoch with its own ranks: the
    // files of a run stopped by its epoch limit right there.
    const atLimit = (await runTraining(baseline, { ...anyRule, maxEpochs: source.epochsRun })).run;
    expect(atLimit.bestEpoch).toBe(sel.bestEpoch);
    const stopped = (await executeStoredRun(store, branch, { shouldStop: () => true })).run;
    expect(stopped).toMatchObject({ status: 'cancelled', bestEpoch: sel.bestEpoch });
    expect(stopped.summary).toEqual(atLimit.summary);
    expect(hashes(store, stopped.id)).toEqual(hashes(baseline, atLimit.id));
    const done = (await extendRun(store, branch.id, {})).run;
    expect(trainedEpochs(store, done.id)).toEqual(trainedEpochs(baseline, want.id));
    expect(done.summary).toEqual(want.summary);
    expect(hashes(store, done.id)).toEqual(hashes(baseline, want.id));
    store.close();
    baseline.close();
  });

  it('branches a teacher others learned from, and a cancelled run from its last checkpoint', async () => {
    const baseline = demoStore();
    const want = (await runTraining(baseline, SMALL_TRAIN)).run;
    const store = demoStore();
    const teacher = (await runTraining(store, { ...SMALL_TRAIN, maxEpochs: 3, label: 'teacher' }))
      .run;
    await runDistill(store, {
      dataset: 'demo',
      teacher: 'teacher',
      method: 'DE',
      studentDim: 4,
      experts: 3,
      maxEpochs: 1,
    });
    await expect(extendRun(store, teacher.id, { maxEpochs: 10 })).rejects.toThrow(
      /is a source of run #\d+; .* or branch it into a new run/,
    );
    const grown = (await branchAndTrain(store, teacher.id, { maxEpochs: 10 })).run;
    expect(trainedEpochs(store, grown.id)).toEqual(trainedEpochs(baseline, want.id));
    expect(grown.summary).toEqual(want.summary);
    expect(getRun(store, teacher.id)).toMatchObject({ status: 'completed', epochsRun: 3 });

    const cancelled = await cancelledRun(store, 3);
    expect(cancelled.status).toBe('cancelled');
    const continued = (await branchAndTrain(store, cancelled.id, {})).run;
    expect(continued.label).toBe(`run #${cancelled.id} → continued`);
    expect(trainedEpochs(store, continued.id)).toEqual(trainedEpochs(baseline, want.id));
    expect(continued.summary).toEqual(want.summary);
    store.close();
    baseline.close();
  });

  it('refuses, saying why and changing nothing, what a run started with the new rules would not repeat', async () => {
    const store = demoStore();
    const any = (await runTraining(store, { ...SMALL_TRAIN, maxEpochs: 3, earlyStop: 'any' })).run;
    expect(() => branchRun(store, any.id, { earlyStop: 'h5', maxEpochs: 5 }, 'queued')).toThrow(
      /stopped early on any of H@5\/10\/20 \(any\); validation H@5 \(h5\) could have stopped it earlier/,
    );
    expect(() => branchRun(store, any.id, { maxEpochs: 2 }, 'queued')).toThrow(
      /the epoch limit can only grow \(it is 3\)/,
    );
    // An h5 run whose epoch that `any` would keep is neither its best nor its last: its
    // parameters are gone. Made so by raising H@10 and H@20 at the epoch after its best.
    const h5 = (await runTraining(store, { ...SMALL_TRAIN, maxEpochs: 100, patience: 3 })).run;
    const b = h5.bestEpoch!;
    expect(h5.epochsRun).toBe(b + 4);
    store.db
      .prepare(
        `UPDATE epochs SET valid_json = json_set(valid_json, '$.H10', 2, '$.H20', 2)
         WHERE run_id = ? AND epoch = ?`,
      )
      .run(h5.id, b + 1);
    const runsBefore = listRuns(store).length;
    expect(() => branchRun(store, h5.id, { earlyStop: 'any' }, 'queued')).toThrow(
      new RegExp(
        `kept the parameters of epochs ${b + 1} \\(its best\\) and ${b + 4} \\(its last\\); ` +
          `under early stopping on any of H@5/10/20 \\(any\\) its best is epoch ${b + 2}, whose parameters are gone`,
      ),
    );
    expect(listRuns(store).length).toBe(runsBefore);
    expect(existsSync(join(store.home, 'runs', String(h5.id + 1)))).toBe(false);
    store.close();
  });
});
