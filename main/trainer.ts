import { parseArgs } from 'node:util';
import { BACKENDS, type BackendChoice } from './engine/backend';
import { executeStoredRun } from './ops/resume';
import type { RunEvent } from './ops/run-events';
import type { ToTrainer } from './runner/trainer-protocol';
import { Store } from './store/db';
import { getRun } from './store/runs';

// Entry of a trainer process: executes one stored run and reports its events to the runner,
// which owns the store; this process only reads the store and writes the run's own files.
// Started by child_process.fork (process.send) or Electron's utilityProcess (parentPort).

interface ParentPort {
  postMessage(m: unknown): void;
  on(event: 'message', f: (e: { data: unknown }) => void): void;
}
const parentPort = (process as { parentPort?: ParentPort }).parentPort;

const send = (m: RunEvent): void => {
  if (parentPort) parentPort.postMessage(m);
  else process.send?.(m);
};

const PROGRESS_MS = 250;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { home: { type: 'string' }, run: { type: 'string' }, backend: { type: 'string' } },
  });
  if (!values.home || !values.run) throw new Error('usage: trainer --home <dir> --run <id>');
  const backend = values.backend as BackendChoice | undefined;
  if (backend !== undefined && !BACKENDS.includes(backend))
    throw new Error(`unknown backend ${backend}`);

  let cancelled = false;
  const onMessage = (m: unknown) => {
    if ((m as ToTrainer | undefined)?.type === 'cancel') cancelled = true;
  };
  if (parentPort) parentPort.on('message', (e) => onMessage(e.data));
  else {
    process.on('message', onMessage);
    // Without its runner nothing this process does can be recorded: stop; the run is resumable.
    process.on('disconnect', () => process.exit(70));
  }

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
        send(e);
      },
    },
    { backend, prerequisitesDone: true },
  );
  store.close();
}

main().then(
  () => {
    process.removeAllListeners('disconnect');
    if (process.send) process.disconnect();
    process.exitCode = 0;
  },
  (e: unknown) => {
    // A failure after the run started was already reported as its `failed` event.
    const err = e instanceof Error ? e : new Error(String(e));
    process.stderr.write(`error: ${err.message}\n${err.stack ?? ''}\n`);
    process.removeAllListeners('disconnect');
    if (process.send) process.disconnect();
    process.exitCode = 1;
  },
);
