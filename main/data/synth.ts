import { SYNTH_MAX_WORK } from '../contract';
import { InputError } from '../errors';
import type { RawInteractions } from './raw';
import { Rng } from './rng';

export interface SynthOptions {
  users: number;
  items: number;
  seed: number;
  /** Latent dimension of the generating factors. */
  factors?: number;
}

export const DEFAULT_SYNTH = { users: 1000, items: 1500, seed: 0 } as const;

/**
 * A seeded implicit-feedback dataset with learnable structure: users pick items with probability
 * ∝ exp(affinity + popularity), where affinity comes from latent factors and popularity follows a
 * Zipf-like skew. Sampling without replacement uses the Gumbel-top-k trick.
 */
/** Told the fraction of users generated so far. */
export type OnFraction = (fraction: number) => void;

export function synthesize(opts: SynthOptions, onFraction?: OnFraction): RawInteractions {
  const { users, items, seed } = opts;
  const k = opts.factors ?? 8;
  if (!Number.isInteger(users) || users < 1)
    throw new InputError('--users must be a positive integer');
  if (!Number.isInteger(items) || items < 600) {
    throw new InputError(
      '--items must be an integer ≥ 600 (each user needs 499 unobserved candidates)',
    );
  }
  if (users * items > SYNTH_MAX_WORK)
    throw new InputError(
      `--users × --items must be at most ${SYNTH_MAX_WORK.toExponential()} (${users} × ${items} would take too long)`,
    );
  const rng = Rng.seeded(seed, 7);
  const U = new Float64Array(users * k).map(() => rng.normal());
  const V = new Float64Array(items * k).map(() => rng.normal());
  const popularity = new Float64Array(items);
  for (let i = 0; i < items; i++) popularity[i] = -0.7 * Math.log(1 + rng.int(items));
  const scale = 1.5 / Math.sqrt(k);
  const maxDeg = Math.min(items - 520, 200);
  const lists: number[][] = [];
  const keys = new Float64Array(items);
  for (let u = 0; u < users; u++) {
    const deg = Math.min(maxDeg, 5 + Math.round(Math.exp(1.6 + 0.8 * rng.normal())));
    for (let i = 0; i < items; i++) {
      let dot = 0;
      for (let f = 0; f < k; f++) dot += U[u * k + f] * V[i * k + f];
      const g = -Math.log(-Math.log(Math.max(rng.float(), 1e-300)));
      keys[i] = scale * dot + popularity[i] + g;
    }
    lists.push(topK(keys, deg));
    if (onFraction && u % 256 === 255) onFraction((u + 1) / users);
  }
  // Every item gets at least one interaction, so remapping keeps the whole catalogue and each
  // user keeps ≥ 499 unobserved items for the split's candidates.
  const seen = new Uint8Array(items);
  for (const l of lists) for (const i of l) seen[i] = 1;
  for (let i = 0; i < items; i++) if (!seen[i]) lists[rng.int(users)].push(i);
  // A spread of 200,000 lengths would overflow the call stack.
  const heaviest = lists.reduce((m, l) => Math.max(m, l.length), 0);
  if (items - heaviest < 499) {
    throw new InputError(
      `${users} users are too few to cover ${items} items and keep 499 unobserved items each; use more users`,
    );
  }
  return {
    users: lists.map((_, u) => String(u)),
    items: lists,
    itemIds: Array.from({ length: items }, (_, i) => String(i)),
    duplicates: 0,
    warnings: [],
  };
}

function topK(keys: Float64Array, k: number): number[] {
  const idx = Array.from(keys.keys());
  idx.sort((a, b) => keys[b] - keys[a]);
  return idx.slice(0, k);
}
