import type { Rng } from '../../data/rng';
import { BPR } from './bpr';
import type { ModelName } from '../../contract';
import type { Recommender } from './model';

export { MODEL_NAMES, type ModelName } from '../../contract';

type Factory = (nUsers: number, nItems: number, dim: number, rng: Rng) => Recommender;

/** One line per base model (and its name in the contract's MODEL_NAMES). */
const MODELS: Record<ModelName, Factory> = {
  BPR: (nUsers, nItems, dim, rng) => new BPR(nUsers, nItems, dim, rng),
};

export function createModel(
  name: ModelName,
  nUsers: number,
  nItems: number,
  dim: number,
  rng: Rng,
): Recommender {
  return MODELS[name](nUsers, nItems, dim, rng);
}
