import { join, resolve } from 'node:path';
import { Api } from './api';
import { FileGrants } from './grants';
import { ensureDemoDataset } from './ops/datasets';
import { Jobs, type LaunchImporter } from './runner/jobs';
import { Runner } from './runner/runner';
import { StoreQueue } from './runner/run-queue';
import { forkTrainer, type LaunchTrainer } from './runner/trainer-protocol';
import { forkWorker } from './runner/worker-process';
import { queuedElsewhere, StoreWatcher } from './runner/store-watcher';
import { startServer, type RunningServer } from './server';
import { artifactPath } from './store/artifacts';
import { Store } from './store/db';

/** The worker entries built next to this bundle (out/main). */
export const workerScript = (name: 'trainer' | 'importer'): string =>
  resolve(__dirname, `${name}.js`);

/** Browser mode over a workbench: the built renderer, uploads kept under its home. */
export function serveWorkbench(
  wb: Workbench,
  o: { host?: string; port?: number } = {},
): Promise<RunningServer> {
  return startServer({
    api: wb.api,
    grants: wb.grants,
    rendererDir: resolve(__dirname, '..', 'renderer'),
    uploadDir: join(wb.store.home, 'uploads'),
    artifactFile: (runId, kind) => artifactPath(wb.store, runId, kind),
    ...o,
  });
}

/**
 * The API over a store for a face that trains nothing itself (the CLI): the same operations,
 * validation and answers as the window's; the runs it queues train wherever the queue is drained.
 */
export function storeApi(store: Store): Api {
  const jobs = new Jobs(store, forkWorker(workerScript('importer')));
  return new Api({ store, runner: new StoreQueue(store), jobs, grants: new FileGrants() });
}

export interface Workbench {
  store: Store;
  runner: Runner;
  jobs: Jobs;
  grants: FileGrants;
  api: Api;
  close(): void;
}

/**
 * The core behind a face that stays open (the desktop app, browser mode): the store, the queue
 * with its trainer processes, background imports and the API over them.
 */
export function openWorkbench(o: {
  home: string;
  launchTrainer?: LaunchTrainer;
  launchImporter?: LaunchImporter;
  graceMs?: number;
}): Workbench {
  const store = new Store(o.home);
  ensureDemoDataset(store);
  const runner = new Runner(store, {
    launch: o.launchTrainer ?? forkTrainer(workerScript('trainer')),
    graceMs: o.graceMs,
  });
  const jobs = new Jobs(store, o.launchImporter ?? forkWorker(workerScript('importer')));
  const grants = new FileGrants();
  const api = new Api({ store, runner, jobs, grants });
  const watcher = new StoreWatcher(store, (e) => {
    api.broadcast(e);
    if (queuedElsewhere(e)) runner.schedule();
  });
  runner.start();
  watcher.start();
  return {
    store,
    runner,
    jobs,
    grants,
    api,
    close: () => {
      watcher.stop();
      runner.stop();
      store.close();
    },
  };
}
