import { parseArgs } from 'node:util';
import { setNativeThreads } from '../engine/kernels/native-blas';
import { trainPlan } from '../ops/execute';
import type { RunPlan } from '../ops/run-plan';
import type { FromTrainer, ToTrainer } from '../runner/trainer-protocol';
import { workerChannel } from '../runner/worker-process';

// Entry of a trainer process: trains one run from the plan the runner made, and reports its
// events to the runner, which owns the store. It never opens the store (`npm run lint` checks
// that nothing it imports can): it reads the files the plan names and writes the run's own.

const PROGRESS_MS = 250;
const channel = workerChannel<ToTrainer, FromTrainer>();

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { plan: { type: 'string' }, threads: { type: 'string' } },
  });
  if (!values.plan) throw new Error('usage: trainer --plan <json> [--threads <n>]');
  const plan = JSON.parse(values.plan) as RunPlan;
  // The runner's share of the cores for this trainer (several may train at once).
  if (values.threads) setNativeThreads(Number(values.threads));
  let cancelled = false;
  channel.onMessage((m) => {
    if (m?.type === 'cancel') cancelled = true;
  });
  channel.exitWithOwner(70);

  let lastProgress = 0;
  await trainPlan(
    plan,
    (e) => {
      if (e.type === 'progress') {
        const t = performance.now();
        if (t - lastProgress < PROGRESS_MS && e.batch !== e.batches) return;
        lastProgress = t;
      }
      channel.send(e);
    },
    { shouldStop: () => cancelled },
  );
}

main().then(
  () => channel.close(),
  (e: unknown) => {
    // A failure after the run started was already reported as its `failed` event; one before
    // (an unreadable file, a backend that cannot start) is told by this line, which the runner
    // keeps.
    const err = e instanceof Error ? e : new Error(String(e));
    process.stderr.write(`error: ${err.message}\n${err.stack ?? ''}\n`);
    process.exitCode = 1;
    channel.close();
  },
);
