import type { ModelOption } from '../../../main/contract';

// The labels the new-run form gives the models' own options (the presets are the contract's).

export const OPTION_LABELS: Record<ModelOption, string> = {
  mlpLayers: 'MLP layers',
  kdRep: 'KD representation',
  layers: 'propagation layers',
  embReg: 'layer-0 embedding L2',
  nodeDropout: 'node dropout',
  messageDropout: 'message dropout',
  adjacency: 'adjacency normalisation',
  edgeDropout: 'edge dropout ρ (per view)',
  temperature: 'InfoNCE temperature τ',
  ssl: 'contrastive weight λ_ssl',
};

export const REP_LABELS: Record<string, string> = {
  gmf: 'GMF rows',
  'gmf+mlp': '[GMF; MLP] rows',
  ego: 'layer-0 rows',
  concat: '[E⁰, norm(E¹), …, norm(E^L)] rows',
};
