import type { RunInfo } from '../../main/contract';
import { synthDataset } from '../../main/ops/datasets';
import { runTraining } from '../../main/ops/train';
import { Store } from '../../main/store/db';
import { getEpochs } from '../../main/store/runs';
import { tempDir } from './tmp';

// Small runs for the tests of how runs are resumed, extended, branched and queued: seconds each,
// and long enough to stop early.

/** A BPR training on the `demo` data of `demoStore`. */
export const SMALL_TRAIN = {
  dataset: 'demo',
  model: 'BPR',
  dim: 24,
  lr: 0.01,
  reg: 1e-4,
  batch: 64,
  maxEpochs: 10,
  patience: 100,
};

/** A DE student of the SMALL_TRAIN run labelled `teacher`. */
export const SMALL_DE = {
  dataset: 'demo',
  teacher: 'teacher',
  method: 'DE',
  studentDim: 4,
  experts: 3,
  batch: 128,
  maxEpochs: 6,
  patience: 100,
};

/** A HyperKDMA+DE student (two TAs) of the SMALL_TRAIN run labelled `teacher`. */
export const SMALL_HYPERKDMA = { ...SMALL_DE, method: 'HyperKDMA-DE', numTas: 2 };

/** A run's configuration as `hkd train`/`hkd distill` flags. */
export const cliFlags = (cfg: Record<string, unknown>): string[] =>
  Object.entries(cfg).flatMap(([k, v]) => [
    `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    String(v),
  ]);

/** A new home holding the synthetic dataset `demo`. */
export function demoStore(size = { users: 500, items: 700 }): Store {
  const s = new Store(tempDir());
  synthDataset(s, { name: 'demo', ...size, seed: 4 });
  return s;
}

/** What training produced in each epoch of a run (its timings left out). */
export const trainedEpochs = (s: Store, id: number) =>
  getEpochs(s, id).map(({ epoch, losses, valid, test }) => ({ epoch, losses, valid, test }));

/** A SMALL_TRAIN run cancelled once `epochs` epochs have finished. */
export async function cancelledRun(s: Store, epochs: number): Promise<RunInfo> {
  let done = 0;
  const { run } = await runTraining(s, SMALL_TRAIN, {
    shouldStop: () => done >= epochs,
    onEpoch: () => done++,
  });
  return run;
}
