import { TRAIN_DEFAULTS } from '../contract';
import { WASM_BASE64 } from './kernels/adam.wasm';
import type { Param } from './params';

export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Coupled L2 (PyTorch `Adam(weight_decay=…)`): added to the gradient before the moments. */
  weightDecay: number;
}

export const ADAM_DEFAULTS: AdamOptions = {
  lr: TRAIN_DEFAULTS.lr,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: TRAIN_DEFAULTS.reg,
};

export interface AdamState {
  t: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

interface AdamExports {
  adam(
    th: number,
    g: number,
    m: number,
    v: number,
    n: number,
    b1: number,
    b2: number,
    wd: number,
    stepSize: number,
    invBc2: number,
    eps: number,
  ): void;
}

let compiled: WebAssembly.Module | undefined;

interface Slot {
  param: Param;
  /** Byte offsets of θ, g, m, v and the padded length in floats. */
  th: number;
  g: number;
  m: number;
  v: number;
  n: number;
}

const PAGE = 65536;

/**
 * Adam with coupled L2 weight decay (per tensor when its Param sets its own). Every element of every trainable tensor is updated each
 * step (dense semantics: untouched embedding rows still decay and move), so the update is one
 * fused SIMD pass per tensor. Parameters, gradients and both moments live in one shared
 * WebAssembly memory that the Params are relocated into; shared memory never detaches the
 * Params' views when it grows.
 */
export class Adam {
  private t = 0;
  private readonly slots: Slot[] = [];
  private readonly kernel: AdamExports;
  private readonly memory: WebAssembly.Memory;

  constructor(
    params: Param[],
    readonly opts: AdamOptions = ADAM_DEFAULTS,
  ) {
    const trainable = params.filter((p) => p.trainable);
    const padded = trainable.map((p) => Math.ceil(p.size / 4) * 4);
    const totalBytes = padded.reduce((a, n) => a + 16 * n, 0);
    const pages = Math.max(1, Math.ceil(totalBytes / PAGE));
    if (pages > 65536) throw new Error('parameters and optimizer state exceed 4 GiB');
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: 65536, shared: true });
    compiled ??= new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
    this.kernel = new WebAssembly.Instance(compiled, { env: { memory: this.memory } })
      .exports as unknown as AdamExports;
    let off = 0;
    const view = (n: number) => {
      const a = new Float32Array(this.memory.buffer, off, n);
      off += 4 * n;
      return a;
    };
    trainable.forEach((p, k) => {
      const n = padded[k];
      const slot = { param: p, th: off, g: off + 4 * n, m: off + 8 * n, v: off + 12 * n, n };
      const th = view(n);
      const g = view(n);
      view(2 * n);
      p.relocate(th.subarray(0, p.size), g.subarray(0, p.size));
      this.slots.push(slot);
    });
  }

  get steps(): number {
    return this.t;
  }

  /** Applies one update from each Param's accumulated gradient, then clears the gradients. */
  step(): void {
    this.t++;
    const { beta1: b1, beta2: b2, eps } = this.opts;
    const bc1 = 1 - b1 ** this.t;
    const invBc2 = 1 / Math.sqrt(1 - b2 ** this.t);
    for (const s of this.slots) {
      const { lr = this.opts.lr, weightDecay: wd = this.opts.weightDecay } = s.param.optimiser;
      this.kernel.adam(s.th, s.g, s.m, s.v, s.n, b1, b2, wd, lr / bc1, invBc2, eps);
      s.param.clearGrad();
    }
  }

  private moment(s: Slot, which: 'm' | 'v'): Float32Array {
    return new Float32Array(this.memory.buffer, s[which], s.param.size);
  }

  state(): AdamState {
    const pick = (w: 'm' | 'v') =>
      Object.fromEntries(this.slots.map((s) => [s.param.name, this.moment(s, w).slice()]));
    return { t: this.t, m: pick('m'), v: pick('v') };
  }

  load(state: AdamState): void {
    this.t = state.t;
    for (const s of this.slots) {
      this.moment(s, 'm').set(state.m[s.param.name]);
      this.moment(s, 'v').set(state.v[s.param.name]);
    }
  }
}
