import type { ModelOption } from '../../../main/contract';

// What the new-run form offers besides the contract's defaults: the paper's student, its presets
// and the labels of the models' own options.

/** The paper's HyperKDMA student (METHOD.md's defaults): the form's defaults and a preset. */
export const PAPER_STUDENT = {
  method: 'HyperKDMA-DE',
  studentDim: 20,
  numTas: 8,
  taDims: '',
  lambdaT: 1e-2,
  lambdaTa: 1e-3,
  experts: 30,
  gate: true,
  taSource: 'hypernet',
};

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

/** The paper's protocol on CiteULike (METHOD.md §2.3, §3). */
const PAPER = {
  dataset: 'citeulike',
  maxEpochs: 1000,
  patience: 20,
  lr: 1e-3,
  reg: 1e-3,
  batch: 1024,
};

/** A preset sets the kind of run, some fields and the model's options (the rest stay). */
export interface RunPreset {
  kind: 'train' | 'distill';
  fields: Record<string, string | number | boolean>;
  options?: Partial<Record<ModelOption, string>>;
}

export const PRESETS: Record<string, RunPreset> = {
  'Paper: BPR CiteULike teacher (d = 200)': {
    kind: 'train',
    fields: {
      ...PAPER,
      model: 'BPR',
      dim: 200,
    },
  },
  // §3's grid searched weight decay; with the shared 1e-3 this teacher stops 0.03 short of Table 2.
  'Paper: NeuMF CiteULike teacher (d = 250, weight decay 1e-4)': {
    kind: 'train',
    fields: {
      ...PAPER,
      model: 'NeuMF',
      dim: 250,
      reg: 1e-4,
    },
  },
  'Paper: LightGCN CiteULike teacher (d = 200, 1 layer)': {
    kind: 'train',
    fields: { ...PAPER, model: 'LightGCN', dim: 200 },
    options: { layers: '1' },
  },
  'Code-compat: LightGCN (its regulariser added twice: 2e-4)': {
    kind: 'train',
    fields: { model: 'LightGCN' },
    options: { layers: '1', embReg: '2e-4' },
  },
  'Original LightGCN (3 layers)': {
    kind: 'train',
    fields: { model: 'LightGCN' },
    options: { layers: '3' },
  },
  'Reference: NGCF-PyTorch (3 layers, dropouts 0.1, lr 1e-4)': {
    kind: 'train',
    fields: { model: 'NGCF', lr: 1e-4 },
    options: { layers: '3', nodeDropout: '0.1', messageDropout: '0.1', adjacency: 'row' },
  },
  'NGCF paper: symmetric L + I': {
    kind: 'train',
    fields: { model: 'NGCF' },
    options: { adjacency: 'symmetric' },
  },
  // Its validation dips while BPR leaves its plateau (~epochs 15–35 on CiteULike at d = 20),
  // longer than the default patience.
  'Reference: SGL-ED (3 layers, ρ 0.1, τ 0.2, λ_ssl 0.1; patience 200)': {
    kind: 'train',
    fields: { model: 'SGL', patience: 200 },
    options: { layers: '3', edgeDropout: '0.1', temperature: '0.2', ssl: '0.1', embReg: '1e-4' },
  },
  'Paper: BPR CiteULike HyperKDMA+DE (200 → 20, m = 8)': {
    kind: 'distill',
    fields: {
      dataset: 'citeulike',
      ...PAPER_STUDENT,
    },
  },
  'Quick: demo teacher (d = 32, 20 epochs)': {
    kind: 'train',
    fields: {
      dataset: 'demo',
      model: 'BPR',
      dim: 32,
      maxEpochs: 20,
      lr: 1e-2,
      reg: 1e-4,
      batch: 256,
    },
  },
  'Quick: demo HyperKDMA+DE (→ 4, m = 2, 10 epochs)': {
    kind: 'distill',
    fields: {
      dataset: 'demo',
      method: 'HyperKDMA-DE',
      studentDim: 4,
      numTas: 2,
      taDims: '',
      experts: 5,
      maxEpochs: 10,
      batch: 256,
      lr: 1e-2,
      reg: 1e-4,
    },
  },
};
