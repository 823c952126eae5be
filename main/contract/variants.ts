import { DISTILL_DEFAULTS } from './defaults';
import { KD_METHODS, type DistillMethod } from './kd-methods';
import type { DistillConfig } from './run-config';

// The variant settings of issue 21: read by some methods only, never a default, and part of a
// run's identity only when set (so runs stored before they existed keep matching).

/** HyperKDMA's own: its TA mode and the hypernet's optimiser group. */
export const HYPERKDMA_SETTINGS = ['taMode', 'taAnchor', 'hyperLr', 'hyperDecay'] as const;
/** Every variant setting: HyperKDMA's, and the annealing horizon of DE modules. */
export const VARIANT_SETTINGS = [...HYPERKDMA_SETTINGS, 'annealEpochs'] as const;

/** Whether `method` reads setting `key` (every setting but a variant one it has no part for). */
export function readsVariant(method: DistillMethod, key: string): boolean {
  const facts = KD_METHODS[method];
  if ((HYPERKDMA_SETTINGS as readonly string[]).includes(key)) return facts.generatesTas;
  if (key === 'annealEpochs') return facts.flavour === 'DE';
  return true;
}

/** The given settings that differ from their default (absent when unset). */
export function unlessDefault<K extends keyof DistillConfig>(
  cfg: DistillConfig,
  keys: readonly K[],
): Partial<Pick<DistillConfig, K>> {
  const defaults: Partial<DistillConfig> = DISTILL_DEFAULTS;
  return Object.fromEntries(
    keys.filter((k) => cfg[k] !== undefined && cfg[k] !== defaults[k]).map((k) => [k, cfg[k]]),
  ) as Partial<Pick<DistillConfig, K>>;
}

/**
 * A setting given where it would silently do nothing (the variants only some methods read), as
 * the field to blame and why; undefined when the request is consistent.
 */
export function variantProblem(cfg: DistillConfig): { field: string; message: string } | undefined {
  const ignored = Object.keys(unlessDefault(cfg, VARIANT_SETTINGS)).filter(
    (k) => !readsVariant(cfg.method, k),
  );
  const hyper = ignored.filter((k) => k !== 'annealEpochs');
  if (hyper.length > 0)
    return {
      field: hyper[0],
      message: `${cfg.method} has no generated TAs: ${hyper.join(', ')} applies to HyperKDMA only`,
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
  if (ignored.includes('annealEpochs'))
    return {
      field: 'annealEpochs',
      message: `annealEpochs sets the Gumbel temperature of DE modules; ${cfg.method} has none`,
    };
  return undefined;
}
