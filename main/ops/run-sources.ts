import type { RunInfo } from '../contract';

/** The runs a distillation learns from: its teacher, guides and pretrained TAs (none for a training). */
export function sourcesOf(run: RunInfo): number[] {
  if (run.kind !== 'distill') return [];
  const { teacher, guideRuns = [], pretrainedTaRuns = [] } = run.config;
  return [...new Set([teacher, ...guideRuns, ...pretrainedTaRuns])];
}
