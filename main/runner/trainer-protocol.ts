import type { RunEvent } from './run-events';
import type { RunPlan } from '../ops/run-plan';
import { forkWorker, type LaunchWorker, type WorkerProcess } from './worker-process';

/** Runner → trainer. */
export type ToTrainer = { type: 'cancel' };
/** Trainer → runner: the run's events, in order. */
export type FromTrainer = RunEvent;

export type TrainerProcess = WorkerProcess<ToTrainer, FromTrainer>;
export type LaunchTrainer = LaunchWorker<ToTrainer, FromTrainer>;

/** Command-line arguments of the trainer entry (`out/main/trainer.js`): the run's plan. */
export function trainerArgs(plan: RunPlan): string[] {
  return ['--plan', JSON.stringify(plan)];
}

export const forkTrainer = (script: string): LaunchTrainer =>
  forkWorker<ToTrainer, FromTrainer>(script);
