import type { RunInfo } from '../contract';

/**
 * The variant settings a distillation run departs from the paper in (issue 21's TA modes, the
 * hypernet's optimiser group, the annealing horizon), as its row name shows them: "[normalised]",
 * "[anchored 0.001, hyper-decay 0]". Empty for the paper's settings.
 */
export function variantOf(r: RunInfo): string {
  if (r.kind !== 'distill') return '';
  const c = r.config;
  const parts = [
    ...(c.taMode && c.taMode !== 'paper'
      ? [`${c.taMode}${c.taAnchor !== undefined ? ` ${c.taAnchor}` : ''}`]
      : []),
    ...(c.hyperLr !== undefined ? [`hyper-lr ${c.hyperLr}`] : []),
    ...(c.hyperDecay !== undefined ? [`hyper-decay ${c.hyperDecay}`] : []),
    ...(c.annealEpochs !== undefined ? [`anneal ${c.annealEpochs}`] : []),
  ];
  return parts.length > 0 ? ` [${parts.join(', ')}]` : '';
}
