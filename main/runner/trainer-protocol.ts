import type { RunEvent } from './run-events';
import type { RunPlan } from '../ops/run-plan';
import { forkWorker, type LaunchWorker, type WorkerProcess } from './worker-process';

/** Runner → trainer. */
export type ToTrainer = { type: 'cancel' };
/** Trainer → runner: the run's events, in order. */
export type FromTrainer = RunEvent;

export type TrainerProcess = WorkerProcess<ToTrainer, FromTrainer>;
export type LaunchTrainer = LaunchWorker<ToTrainer, FromTrainer>;

/**
 * Command-line arguments of the trainer entry (`out/main/trainer.js`): the run's plan, and the
 * threads its native products may use.
 */
export function trainerArgs(plan: RunPlan, threads?: number): string[] {
  return ['--plan', JSON.stringify(plan), ...(threads ? ['--threads', String(threads)] : [])];
}

/**
 * The threads each of `concurrency` trainers gets: the cores shared out, at least one, unless
 * HKD_THREADS chose for every process. Two trainers of two threads each on two cores ran
 * HyperKDMA+DE (m = 2) 1.27× slower than with one thread each (BENCHMARKS.md).
 */
export function trainerThreads(
  concurrency: number,
  cores: number,
  env: NodeJS.ProcessEnv = process.env,
): number | undefined {
  if (env.HKD_THREADS) return undefined;
  return Math.max(1, Math.floor(cores / concurrency));
}

export const forkTrainer = (script: string): LaunchTrainer =>
  forkWorker<ToTrainer, FromTrainer>(script);
