import type { Rng } from '../../data/rng';
import { BPR } from './bpr';
import type { Recommender } from './model';

/** One line per base model; new models register here. */
const MODELS = {
  BPR: (nUsers: number, nItems: number, dim: number, rng: Rng) => new BPR(nUsers, nItems, dim, rng),
} as const;

export type ModelName = keyof typeof MODELS;
export const MODEL_NAMES = Object.keys(MODELS) as ModelName[];

export function createModel(
  name: ModelName,
  nUsers: number,
  nItems: number,
  dim: number,
  rng: Rng,
): Recommender {
  return MODELS[name](nUsers, nItems, dim, rng);
}
