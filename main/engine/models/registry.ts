import { modelOptions, type ModelName, type ModelOptions } from '../../contract';
import type { Rng } from '../../data/rng';
import type { TrainSet } from '../../data/split';
import { BPR } from './bpr';
import { LightGCN } from './lightgcn';
import type { Recommender } from './model';
import { NeuMF } from './neumf';
import { NGCF } from './ngcf';
import { SGL } from './sgl';

/** What a model is built from: sizes, the training graph, the init stream and its options. */
export interface ModelContext {
  nUsers: number;
  nItems: number;
  dim: number;
  train: TrainSet;
  rng: Rng;
  /** The model's own hyperparameters (defaults where absent). */
  options?: ModelOptions;
  /** Checkpointed stream for dropout and augmentation (resumed runs draw the same masks). */
  noise: Rng;
}

type Factory = (c: ModelContext) => Recommender;

/** One line per base model (and its name in the contract's MODEL_NAMES). */
const MODELS: Record<ModelName, Factory> = {
  BPR: (c) => new BPR(c.nUsers, c.nItems, c.dim, c.rng),
  NeuMF: (c) => {
    const o = modelOptions('NeuMF', c.options);
    return new NeuMF(c.nUsers, c.nItems, c.dim, c.rng, o.mlpLayers, o.kdRep);
  },
  LightGCN: (c) =>
    new LightGCN(c.nUsers, c.nItems, c.dim, c.train, c.rng, modelOptions('LightGCN', c.options)),
  NGCF: (c) =>
    new NGCF(c.nUsers, c.nItems, c.dim, c.train, c.rng, c.noise, modelOptions('NGCF', c.options)),
  SGL: (c) =>
    new SGL(c.nUsers, c.nItems, c.dim, c.train, c.rng, c.noise, modelOptions('SGL', c.options)),
};

export function createModel(name: ModelName, c: ModelContext): Recommender {
  return MODELS[name](c);
}
