import { DISTILL_DEFAULTS } from './defaults';
import { KD_METHODS, methodFacts } from './kd-methods';
import type { DistillConfig } from './run-config';

/**
 * A setting given where it would silently do nothing (the variants only some methods read), as
 * the field to blame and why; undefined when the request is consistent.
 */
export function variantProblem(cfg: DistillConfig): { field: string; message: string } | undefined {
  const generates = !!methodFacts(cfg.method)?.generatesTas;
  const given = [
    ...(cfg.taMode !== 'paper' ? ['taMode'] : []),
    ...(['taAnchor', 'hyperLr', 'hyperDecay'] as const).filter((k) => cfg[k] !== undefined),
  ];
  if (!generates && given.length > 0)
    return {
      field: given[0],
      message: `${cfg.method} has no generated TAs: ${given.join(', ')} applies to HyperKDMA only`,
    };
  if (cfg.taMode === 'anchored' && cfg.taAnchor === undefined)
    return {
      field: 'taAnchor',
      message: 'taMode anchored needs taAnchor (the weight of the teacher reconstruction)',
    };
  if (cfg.taMode !== 'anchored' && cfg.taAnchor !== undefined)
    return { field: 'taAnchor', message: `taAnchor applies to taMode anchored, not ${cfg.taMode}` };
  if (cfg.taSource === 'pretrained' && ['detached', 'anchored'].includes(cfg.taMode))
    return {
      field: 'taMode',
      message: `taMode ${cfg.taMode} changes nothing with pretrained TAs (they are fixed runs)`,
    };
  if (KD_METHODS[cfg.method].flavour !== 'DE' && cfg.annealEpochs !== DISTILL_DEFAULTS.annealEpochs)
    return {
      field: 'annealEpochs',
      message: `annealEpochs sets the Gumbel temperature of DE modules; ${cfg.method} has none`,
    };
  return undefined;
}
