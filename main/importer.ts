import { statSync } from 'node:fs';
import { isUserError } from './errors';
import { prepareImport } from './ops/datasets';
import type { FromImporter, ToImporter } from './runner/import-protocol';
import { workerChannel } from './runner/worker-process';
import { writeInteractions } from './store/datasets';

// Entry of an importer process: parses and filters one file away from the owner's event loop,
// reports progress, and writes the interaction file; the owner records the dataset.

const PROGRESS_MS = 200;
const channel = workerChannel<ToImporter, FromImporter>();
channel.exitWithOwner(70);

channel.onMessage((m) => {
  if (m?.type !== 'task') return;
  const { home, request, dir } = m.task;
  void (async () => {
    try {
      const size = statSync(request.file).size || 1;
      let last = 0;
      const { meta, dataset } = await prepareImport(request, (bytes) => {
        const t = performance.now();
        if (t - last < PROGRESS_MS) return;
        last = t;
        channel.send({ type: 'progress', fraction: Math.min(1, bytes / size) });
      });
      const file = dir === undefined ? undefined : writeInteractions(home, dir, dataset);
      channel.send({ type: 'prepared', meta, ...(file ? { file } : {}) });
    } catch (e) {
      channel.send({
        type: 'error',
        message: e instanceof Error ? e.message : String(e),
        userError: isUserError(e),
      });
      process.exitCode = 1;
    }
    channel.close();
  })();
});
