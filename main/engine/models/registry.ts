import type { ModelName } from '../../contract';
import type { Rng } from '../../data/rng';
import type { TrainSet } from '../../data/split';
import { BPR } from './bpr';
import { LightGCN } from './lightgcn';
import type { Recommender } from './model';
import { NeuMF } from './neumf';
import { NGCF } from './ngcf';
import { SGL, SGL_DEFAULTS } from './sgl';

export { MODEL_NAMES, type ModelName } from '../../contract';

/** What a model is built from: sizes, the training graph, the init stream and its options. */
export interface ModelContext {
  nUsers: number;
  nItems: number;
  dim: number;
  train: TrainSet;
  rng: Rng;
  /** Propagation layers of graph models (their default when absent). */
  layers?: number;
  /** Checkpointed stream for dropout and augmentation (resumed runs draw the same masks). */
  noise: Rng;
}

type Factory = (c: ModelContext) => Recommender;

/** One line per base model (and its name in the contract's MODEL_NAMES). */
const MODELS: Record<ModelName, Factory> = {
  BPR: (c) => new BPR(c.nUsers, c.nItems, c.dim, c.rng),
  NeuMF: (c) => new NeuMF(c.nUsers, c.nItems, c.dim, c.rng),
  LightGCN: (c) =>
    new LightGCN(c.nUsers, c.nItems, c.dim, c.train, c.rng, { layers: c.layers ?? 1, reg: 1e-4 }),
  NGCF: (c) =>
    new NGCF(c.nUsers, c.nItems, c.dim, c.train, c.rng, c.noise, {
      layers: c.layers ?? 3,
      nodeDropout: 0.1,
      messageDropout: 0.1,
    }),
  SGL: (c) =>
    new SGL(c.nUsers, c.nItems, c.dim, c.train, c.rng, c.noise, {
      ...SGL_DEFAULTS,
      layers: c.layers ?? SGL_DEFAULTS.layers,
    }),
};

export function createModel(name: ModelName, c: ModelContext): Recommender {
  return MODELS[name](c);
}
