import { fork } from 'node:child_process';
import type { RunEvent } from '../ops/run-events';

/** Runner → trainer. */
export type ToTrainer = { type: 'cancel' };
/** Trainer → runner: the run's events, in order. */
export type FromTrainer = RunEvent;

/** A trainer process as the runner sees it, however it was started. */
export interface TrainerProcess {
  readonly pid: number | undefined;
  send(m: ToTrainer): void;
  /** Ends it at once (SIGKILL): for a trainer that ignored a cancel. */
  kill(): void;
  onMessage(f: (m: FromTrainer) => void): void;
  /** Its stdout and stderr, kept to explain a failure. */
  onOutput(f: (text: string) => void): void;
  onExit(f: (code: number | null, signal: string | null) => void): void;
}

export type LaunchTrainer = (args: string[]) => TrainerProcess;

/** Command-line arguments of the trainer entry (`out/main/trainer.js`). */
export function trainerArgs(home: string, runId: number): string[] {
  return ['--home', home, '--run', String(runId)];
}

/** Starts trainers with `child_process.fork` (the CLI's runner, browser mode, tests). */
export function forkTrainer(script: string, execArgv: string[] = []): LaunchTrainer {
  return (args) => {
    const child = fork(script, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv });
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    return {
      pid: child.pid,
      send: (m) => {
        if (child.connected) child.send(m);
      },
      kill: () => child.kill('SIGKILL'),
      onMessage: (f) => child.on('message', (m) => f(m as FromTrainer)),
      onOutput: (f) => {
        child.stdout?.on('data', f);
        child.stderr?.on('data', f);
      },
      onExit: (f) => child.on('exit', f),
    };
  };
}
