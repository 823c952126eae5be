import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WASM_BASE64 } from './expert-mix.wasm';
import { heapInstance, heapOffset } from './heap-kernels';
import { addWasmKernel } from './wasm-kernels';

// The distillation experts' hidden layer, fused: weighted[r, k·h + j] = q[r, k] · relu(pre[r,
// k·h + j] + b1[k·h + j]) for n rows, M experts of h units. Written as tfjs ops it is an add, a
// ReLU and a broadcast multiply forward and about six passes backward, each over n·M·h floats
// (10M for DE 200→20 on a CiteULike batch) plus copies; fused it is one SIMD pass each way
// (expert-mix.wat), in place on the wasm backend's memory.

const FORWARD = 'HkdExpertMix';
const BACKWARD = 'HkdExpertMixGrad';

type Info = tf.TensorInfo;

interface ExpertMixExports {
  forward(pre: number, b1: number, q: number, out: number, n: number, M: number, h: number): void;
  backward(
    dy: number,
    pre: number,
    b1: number,
    q: number,
    dpre: number,
    db1: number,
    dq: number,
    n: number,
    M: number,
    h: number,
  ): void;
}

const kernels = (b: BackendWasm) => heapInstance<ExpertMixExports>(b, WASM_BASE64);

function forward({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): Info {
  const b = backend as unknown as BackendWasm;
  const { pre, b1, q } = inputs as { pre: Info; b1: Info; q: Info };
  const h = (attrs as { h: number }).h;
  const [n, Mh] = pre.shape;
  const out = b.makeOutput([n, Mh], 'float32');
  const o = (t: Info) => heapOffset(b, t);
  kernels(b).forward(o(pre), o(b1), o(q), o(out), n, Mh / h, h);
  return out;
}

function backward({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): Info[] {
  const b = backend as unknown as BackendWasm;
  const { dy, pre, b1, q } = inputs as { dy: Info; pre: Info; b1: Info; q: Info };
  const h = (attrs as { h: number }).h;
  const [n, Mh] = pre.shape;
  const M = Mh / h;
  const dPre = b.makeOutput([n, Mh], 'float32');
  const dB1 = b.makeOutput([Mh], 'float32');
  const dQ = b.makeOutput([n, M], 'float32');
  const o = (t: Info) => heapOffset(b, t);
  kernels(b).backward(o(dy), o(pre), o(b1), o(q), o(dPre), o(dB1), o(dQ), n, M, h);
  return [dPre, dB1, dQ];
}

/** Registers the fused kernels on the wasm backend (other backends use the tfjs composition). */
export function registerExpertMix(): void {
  addWasmKernel(FORWARD, forward);
  addWasmKernel(BACKWARD, backward as unknown as tf.KernelFunc);
}

/** The same as tfjs ops, for backends without the fused kernels (and to test them against). */
export function expertMixComposed(
  pre: tf.Tensor2D,
  b1: tf.Tensor1D,
  q: tf.Tensor2D,
  h: number,
): tf.Tensor2D {
  const [n, Mh] = pre.shape;
  const hidden = tf.reshape(tf.relu(tf.add(pre, b1)), [n, Mh / h, h]);
  return tf.reshape(tf.mul(hidden, tf.expandDims(q, 2)), [n, Mh]);
}

let fusedEnabled = true;

/** Turns the fused kernels off and on (tests compare both; bench can time both). */
export function useFusedKernels(on: boolean): void {
  fusedEnabled = on;
}

/** q-weighted ReLU of the experts' first layer, (n, M·h), fused where the backend has it. */
export function expertMix(
  pre: tf.Tensor2D,
  b1: tf.Tensor1D,
  q: tf.Tensor2D,
  h: number,
): tf.Tensor2D {
  if (!fusedEnabled || !tf.getKernel(FORWARD, tf.getBackend())) {
    return expertMixComposed(pre, b1, q, h);
  }
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [p, bias, w] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const value = tf.engine().runKernel(FORWARD, { pre: p, b1: bias, q: w }, { h }) as tf.Tensor;
    save([p, bias, w]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sp, sb, sq] = saved;
        return tf
          .engine()
          .runKernel(BACKWARD, { dy, pre: sp, b1: sb, q: sq }, { h }) as unknown as tf.Tensor[];
      },
    };
  });
  return f(pre, b1, q) as tf.Tensor2D;
}
