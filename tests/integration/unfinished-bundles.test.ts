import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { exportBundle } from '../../main/ops/bundle-export';
import { importBundle } from '../../main/ops/bundle-import';
import { runDistill } from '../../main/ops/distill';
import { replayRun } from '../../main/ops/replay';
import { resumeRun } from '../../main/ops/resume';
import { runTraining } from '../../main/ops/train';
import { listArtifacts } from '../../main/store/artifacts';
import { checkpointProgress } from '../../main/store/checkpoints';
import { Store } from '../../main/store/db';
import { dependenciesOf } from '../../main/store/queue';
import { getRun, listRuns } from '../../main/store/runs';
import { reapInterrupted } from '../../main/store/run-processes';
import { hkd } from '../support/cli';
import {
  cliFlags,
  demoStore,
  SMALL_HYPERKDMA,
  SMALL_TRAIN,
  trainedEpochs,
} from '../support/small-runs';
import { tempDir } from '../support/tmp';
import { HKD_BIN } from '../support/hkd-bin';

// An unfinished run carried to another home at its last checkpoint (`runs export --checkpoints`)
// goes on there to exactly the run that was never moved.
const TEACHER = { ...SMALL_TRAIN, maxEpochs: 3, label: 'teacher' };
const DISTILL = { ...SMALL_HYPERKDMA, maxEpochs: 7 };
const argv = cliFlags(DISTILL);

async function withTeacher(): Promise<Store> {
  const s = demoStore();
  await runTraining(s, TEACHER);
  return s;
}

/** The bundle's manifest. */
function manifestOf(file: string) {
  let text = '';
  tar.list({
    file,
    sync: true,
    onReadEntry: (e) => {
      if (e.path !== 'bundle.json') return e.resume();
      e.on('data', (d: Buffer) => (text += d.toString()));
    },
  });
  return JSON.parse(text) as {
    runs: { label: string | null; status: string; epochs: unknown[]; files: { kind: string }[] }[];
  };
}

describe('an unfinished run in a bundle', () => {
  it('is exported while it trains, as of its last checkpoint, and resumes elsewhere to the uninterrupted run', async () => {
    const baseline = await withTeacher();
    const want = (await runDistill(baseline, DISTILL)).run;

    // A distillation trains in another process; it is exported twice while it does.
    const a = await withTeacher();
    const child = spawn(process.execPath, [HKD_BIN, '--home', a.home, 'distill', ...argv], {
      stdio: 'ignore',
    });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    const student = () => listRuns(a).find((r) => r.kind === 'distill');
    while ((checkpointProgress(a, student()?.id ?? -1)?.epochsDone ?? 0) < 3) {
      if (child.exitCode !== null) throw new Error('the run finished before it could be exported');
      await new Promise((r) => setTimeout(r, 5));
    }
    const id = student()!.id;
    expect(getRun(a, id).status).toBe('running');
    expect(() => exportBundle(a, [id], join(tempDir(), 'x.hkdb'))).toThrow(
      `run #${id} is running: only finished runs can be exported, or an unfinished one with --checkpoints`,
    );
    const full = join(tempDir(), 'moving.hkdb');
    const lean = join(tempDir(), 'moving-lean.hkdb');
    exportBundle(a, [id], full, { checkpoints: true, dataset: true });
    exportBundle(a, [id], lean, { checkpoints: true, embeddings: false });
    child.kill('SIGKILL');
    await exited;

    // It travels interrupted, with the epochs its checkpoint covers and that file alone; its
    // teacher, not named, without a training state.
    const [teacherRecord, record] = manifestOf(full).runs;
    expect(record.status).toBe('interrupted');
    expect(record.epochs.length).toBeGreaterThanOrEqual(3);
    expect(record.files.map((f) => f.kind)).toEqual(['resume']);
    expect(teacherRecord.files.map((f) => f.kind).sort()).toEqual(['embeddings', 'ranks']);

    // A home with nothing: the dataset and teacher come along; the run goes on from there.
    const b = new Store(tempDir());
    const cli = await hkd(b.home, 'runs', 'import', full);
    expect(cli.out).toBe(
      `${full}: added #1, #2 on 'demo'; interrupted, to go on: #2 after epoch ${record.epochs.length} (\`hkd runs resume <id>\`, or \`hkd queue --resume-interrupted\`)`,
    );
    const here = listRuns(b)[1];
    expect(listRuns(b).map((r) => r.status)).toEqual(['completed', 'interrupted']);
    expect(getRun(b, here.id)).toMatchObject({ status: 'interrupted', summary: null });
    const resumed = (await resumeRun(b, here.id)).run;
    expect(trainedEpochs(b, here.id)).toEqual(trainedEpochs(baseline, want.id));
    expect(resumed.summary).toEqual(want.summary);
    // The run is now here: importing the bundle again adds nothing and leaves it finished.
    expect(importBundle(b, full).runs.map((r) => r.added)).toEqual([false, false]);
    expect(getRun(b, here.id).status).toBe('completed');

    // The teacher results only, as FIDELITY.md's bundle holds it: it gets its representations back
    // by a replay, and the imported run waits for that replay in the queue, then goes on.
    const teacherOnly = join(tempDir(), 'teacher.hkdb');
    exportBundle(a, ['teacher'], teacherOnly, { embeddings: false });
    const c = demoStore();
    const [teacher] = importBundle(c, teacherOnly).runs;
    const replay = replayRun(c, teacher.id, 'queued');
    const moved = importBundle(c, lean).runs[1];
    expect(dependenciesOf(c, moved.id).map((d) => d.id)).toContain(replay.id);
    expect(listArtifacts(c, moved.id).map((f) => f.kind)).toEqual(['resume']);
    const queue = spawnSync(
      process.execPath,
      [HKD_BIN, '--home', c.home, 'queue', '--resume-interrupted'],
      { encoding: 'utf8' },
    );
    expect(queue.status, queue.stderr).toBe(0);
    expect(reapInterrupted(c)).toEqual([]);
    expect(getRun(c, moved.id).status).toBe('completed');
    expect(trainedEpochs(c, moved.id)).toEqual(trainedEpochs(baseline, want.id));
    for (const s of [a, b, c, baseline]) s.close();
  }, 120_000);
});
