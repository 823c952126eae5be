import { spawn } from 'node:child_process';
import type { Store } from '../../main/store/db';
import { listRuns } from '../../main/store/runs';
import { HKD_BIN } from './hkd-bin';

/**
 * Starts the CLI on `args` and SIGKILLs it once the store's `runIndex`-th run has `epochs` epoch
 * records: a session's end, or a crash, in the middle of a run. Returns that run's id.
 */
export async function killAfter(
  store: Store,
  args: string[],
  runIndex: number,
  epochs: number,
): Promise<number> {
  const child = spawn(process.execPath, [HKD_BIN, '--home', store.home, ...args], {
    stdio: 'ignore',
  });
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
