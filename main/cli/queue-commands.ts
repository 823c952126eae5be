import type { Command } from 'commander';
import { StorageError } from '../errors';
import { Runner } from '../runner/runner';
import { requeueInterrupted } from '../store/queue';
import { queueOrder } from '../store/queue-order';
import { forkTrainer } from '../runner/trainer-protocol';
import { queuedElsewhere, StoreWatcher } from '../runner/store-watcher';
import { workerScript } from '../workbench';
import { intArg, type CliContext } from './context';
import { fmt, queueText } from './views';

/** `hkd queue`: a headless runner for runs queued with `--queue` or from the workbench. */
export function registerQueueCommands(program: Command, ctx: CliContext): void {
  const { io, openStore } = ctx;
  program
    .command('queue')
    .description('train queued runs, each in its own process, until none is left')
    .option('--concurrency <n>', 'runs at once (kept for later)', intArg('--concurrency', 1))
    .option(
      '--grace <seconds>',
      'time a cancelled run may take before it is killed',
      intArg('--grace', 1),
      30,
    )
    .option(
      '--resume-interrupted',
      'first queue every interrupted run again (after a crash or a reboot), before the queued runs: each continues from its last checkpoint',
    )
    .action(async (o: { concurrency?: number; grace: number; resumeInterrupted?: boolean }) => {
      const store = openStore();
      if (o.resumeInterrupted) {
        const again = requeueInterrupted(store);
        if (again.length) io.err(`queued again: ${again.map((id) => `#${id}`).join(', ')}`);
      }
      const order = queueOrder(store);
      if (order.length) io.err(queueText(order));
      const runner = new Runner(store, {
        launch: forkTrainer(workerScript('trainer')),
        graceMs: o.grace * 1000,
      });
      if (o.concurrency !== undefined) runner.setConcurrency(o.concurrency);
      // A run row is sent on every change; say each status once, and where the run trains.
      const said = new Map<number, { status: string; device: string | null }>();
      runner.subscribe((e) => {
        if (e.type === 'run') {
          const { id, status, backend, device, error } = e.run;
          const before = said.get(id);
          said.set(id, { status, device });
          if (before?.status !== status)
            io.err(`run #${id} ${status}${error ? `: ${error.split('\n')[0]}` : ''}`);
          if (status === 'running' && device && before?.device !== device)
            io.err(`run #${id} on ${backend} · ${device}`);
        } else if (e.type === 'epoch')
          io.err(
            `run #${e.runId} epoch ${e.record.epoch + 1}  valid H@5 ${fmt(e.record.valid.H5)}`,
          );
        else if (e.type === 'storage')
          io.err(e.problem ? `error: ${e.problem}; retrying` : 'the store can be written again');
      });
      // Ctrl-C stops the runner, not the experiments: cancelling would end the active runs and
      // fail every queued run built from them (a TAKD chain, a sweep's students), while a stopped
      // runner leaves them as a crash would, interrupted and resumable, and the queue as it was.
      const unsubscribe = io.onInterrupt?.(() => {
        runner.stop('the queue was stopped (Ctrl-C)');
        io.err(
          'stopped; the active runs are interrupted at their last checkpoint and continue with `hkd queue --resume-interrupted` (`hkd runs cancel <id>` cancels one)',
        );
        io.abort?.();
      });
      // A run queued from another terminal while this one trains starts as soon as a trainer is
      // free, not only once one of this queue's runs has ended.
      const watcher = new StoreWatcher(store, (e) => {
        if (queuedElsewhere(e)) runner.schedule();
      });
      runner.start();
      watcher.start();
      await runner.whenIdle();
      watcher.stop();
      unsubscribe?.();
      const problem = runner.storageProblem;
      runner.stop();
      if (problem)
        throw new StorageError(
          `${problem}; runs that could not be recorded are interrupted: once there is space, \`hkd runs list\` shows them and \`hkd runs resume <id>\` continues them`,
        );
    });
}
