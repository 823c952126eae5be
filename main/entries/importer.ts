import { statSync } from 'node:fs';
import { isUserError, printable, storageError } from '../errors';
import { prepareImport, prepareSynth } from '../ops/datasets';
import type { FromImporter, ToImporter } from '../runner/import-protocol';
import { workerChannel } from '../runner/worker-process';
import { writeInteractions } from '../store/dataset-file';

// Entry of an importer process: parses and filters one file (or generates a synthetic dataset)
// away from the owner's event loop, reports progress, and writes the interaction file; the owner
// records the dataset.

const PROGRESS_MS = 200;
const channel = workerChannel<ToImporter, FromImporter>();
channel.exitWithOwner(70);

channel.onMessage((m) => {
  if (m?.type !== 'task') return;
  const { home, source, dir } = m.task;
  void (async () => {
    try {
      let last = 0;
      const progress = (fraction: number) => {
        const t = performance.now();
        if (t - last < PROGRESS_MS) return;
        last = t;
        channel.send({ type: 'progress', fraction: Math.min(1, fraction) });
      };
      let prepared;
      if (source.kind === 'synth') prepared = prepareSynth(source.request, progress);
      else {
        const size = statSync(source.request.file).size || 1;
        prepared = await prepareImport(source.request, (bytes) => progress(bytes / size));
      }
      const { meta, dataset } = prepared;
      let file;
      try {
        file = dir === undefined ? undefined : writeInteractions(home, dir, dataset);
      } catch (e) {
        throw storageError(e, home);
      }
      channel.send({ type: 'prepared', meta, ...(file ? { file } : {}) });
    } catch (e) {
      channel.send({
        type: 'error',
        message: printable(e instanceof Error ? e.message : String(e)),
        userError: isUserError(e),
      });
      process.exitCode = 1;
    }
    channel.close();
  })();
});
