import { parseArgs } from 'node:util';
import { executeStoredRun } from './ops/resume';
import type { FromTrainer, ToTrainer } from './runner/trainer-protocol';
import { workerChannel } from './runner/worker-process';
import { Store } from './store/db';
import { getRun } from './store/runs';

// Entry of a trainer process: executes one stored run and reports its events to the runner,
// which owns the store; this process only reads the store and writes the run's own files.

const PROGRESS_MS = 250;
const channel = workerChannel<ToTrainer, FromTrainer>();

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { home: { type: 'string' }, run: { type: 'string' } },
  });
  if (!values.home || !values.run) throw new Error('usage: trainer --home <dir> --run <id>');
  let cancelled = false;
  channel.onMessage((m) => {
    if (m?.type === 'cancel') cancelled = true;
  });
  channel.exitWithOwner(70);

  let lastProgress = 0;
  const store = new Store(values.home);
  const run = getRun(store, Number(values.run));
  await executeStoredRun(
    store,
    run,
    {
      shouldStop: () => cancelled,
      sink: (e) => {
        if (e.type === 'progress') {
          const t = performance.now();
          if (t - lastProgress < PROGRESS_MS && e.batch !== e.batches) return;
          lastProgress = t;
        }
        channel.send(e);
      },
    },
    { prerequisitesDone: true },
  );
  store.close();
}

main().then(
  () => channel.close(),
  (e: unknown) => {
    // A failure after the run started was already reported as its `failed` event; one before
    // (a missing teacher, an unreadable store) is told by this line, which the runner keeps.
    const err = e instanceof Error ? e : new Error(String(e));
    process.stderr.write(`error: ${err.message}\n${err.stack ?? ''}\n`);
    process.exitCode = 1;
    channel.close();
  },
);
