import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapBuffer, heapFloatOffset } from './heap-kernels';
import { nativeKernelsOn, type NativeBlasState } from './native-blas';
import { addWasmKernel } from './wasm-kernels';

type Native = Extract<NativeBlasState, { ok: true }>;
type Info = tf.TensorInfo;

const LSE = 'HkdInfoNceLse';
const GRAD = 'HkdInfoNceGrad';

// InfoNCE of METHOD.md §4.5: for each anchor row a of Z' (L2-normalised), the positive is the same
// node's row of Z'' and the negatives every row of `all` (Z'' over all users, or all items):
// Σ_a −log( exp(z'_a·z''_a/τ) / Σ_v exp(z'_a·z''_v/τ) ).
//
// As tfjs ops: one custom op over the (batch × all) logits, a matmul and wasm's native softmax,
// from which log Σ_v exp(l_av) = max_v l_av − log max_v p_av (the largest logit has the largest
// probability); tfjs's logSumExp and its gradient cost ~16 s per CiteULike batch on wasm (generic
// broadcasting kernels). Gradients, with p the softmax rows: ∂/∂a = (Σ_v p_av·all_v − pos_a)/τ,
// ∂/∂pos_a = −a/τ, ∂/∂all_v = Σ_a p_av·a/τ — two more matmuls.

/**
 * How one path computes the two parts that touch the (batch × all) logits: each anchor's
 * log-sum-exp (with what its gradient needs kept), and the softmax-weighted products P·Z and Pᵀ·A.
 */
interface LogitPath {
  lse(a: tf.Tensor2D, z: tf.Tensor2D): { lse: tf.Tensor1D; kept: tf.Tensor };
  products(a: tf.Tensor2D, z: tf.Tensor2D, kept: tf.Tensor): [tf.Tensor2D, tf.Tensor2D];
}

/** The loss and its gradient around a path's logit work (the positives' term is (batch × d)). */
function infoNceWith(
  path: LogitPath,
  anchors: tf.Tensor2D,
  positives: tf.Tensor2D,
  all: tf.Tensor2D,
  tau: number,
): tf.Scalar {
  const op = tf.customGrad((...args) => {
    const [a, pos, z] = args as tf.Tensor2D[];
    const save = args[3] as tf.GradSaveFunc;
    const { lse, kept } = path.lse(a, z);
    save([a, pos, z, kept]);
    return {
      value: tf.sum(tf.sub(lse, tf.div(tf.sum(tf.mul(a, pos), 1), tau))),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [a, pos, z, kept] = saved as tf.Tensor2D[];
        const g = tf.div(dy, tau);
        const [pz, pa] = path.products(a, z, kept);
        return [tf.mul(tf.sub(pz, pos), g), tf.mul(tf.neg(a), g), tf.mul(pa, g)];
      },
    };
  });
  return op(anchors, positives, all) as tf.Scalar;
}

/** As tfjs ops: the whole softmax matrix, kept for the gradient's two products. */
export const infoNceComposed = (
  anchors: tf.Tensor2D,
  positives: tf.Tensor2D,
  all: tf.Tensor2D,
  tau: number,
): tf.Scalar =>
  infoNceWith(
    {
      lse(a, z) {
        const logits = tf.matMul(tf.div(a, tau), z, false, true);
        const probs = tf.softmax(logits);
        return { lse: tf.sub(tf.max(logits, 1), tf.log(tf.max(probs, 1))), kept: probs };
      },
      products: (a, z, probs) => [
        tf.matMul(probs as tf.Tensor2D, z),
        tf.matMul(probs as tf.Tensor2D, a, true, false),
      ],
    },
    anchors,
    positives,
    all,
    tau,
  );

/**
 * The same loss with the log-sum-exp rows and the products from the native addon, which makes
 * the logits a block of columns at a time (native/hkd_infonce.c) instead of the whole matrix.
 */
const infoNceBlocked = (
  anchors: tf.Tensor2D,
  positives: tf.Tensor2D,
  all: tf.Tensor2D,
  tau: number,
): tf.Scalar =>
  infoNceWith(
    {
      lse(a, z) {
        const lse = tf.engine().runKernel(LSE, { a, z }, { tau }) as tf.Tensor1D;
        return { lse, kept: lse };
      },
      products: (a, z, lse) =>
        tf.engine().runKernel(GRAD, { a, z, lse }, { tau }) as unknown as [
          tf.Tensor2D,
          tf.Tensor2D,
        ],
    },
    anchors,
    positives,
    all,
    tau,
  );

/** InfoNCE, blocked where the backend has the native kernel, else as tfjs ops. */
export function infoNce(
  anchors: tf.Tensor2D,
  positives: tf.Tensor2D,
  all: tf.Tensor2D,
  tau: number,
): tf.Scalar {
  return nativeKernelsOn() && tf.getKernel(LSE, tf.getBackend())
    ? infoNceBlocked(anchors, positives, all, tau)
    : infoNceComposed(anchors, positives, all, tau);
}

/** Registers the blocked InfoNCE kernels on the wasm backend (with the native addon only). */
export function registerNativeInfoNce(native: Native): void {
  addWasmKernel(LSE, ({ inputs, backend, attrs }) => {
    const b = backend as unknown as BackendWasm;
    const { a, z } = inputs as { a: Info; z: Info };
    const [B, D] = a.shape;
    const N = z.shape[0];
    const lse = b.makeOutput([B], 'float32');
    // Read the memory only now: making the output may have grown (and replaced) it.
    const tau = (attrs as { tau: number }).tau;
    native.blas.infonceLse(
      heapBuffer(b),
      heapFloatOffset(b, a),
      heapFloatOffset(b, z),
      heapFloatOffset(b, lse),
      B,
      N,
      D,
      1 / tau,
      native.threads,
    );
    return lse;
  });
  addWasmKernel(GRAD, (({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]) => {
    const b = backend as unknown as BackendWasm;
    const { a, z, lse } = inputs as { a: Info; z: Info; lse: Info };
    const tau = (attrs as { tau: number }).tau;
    const [B, D] = a.shape;
    const N = z.shape[0];
    const pz = b.makeOutput([B, D], 'float32');
    const pa = b.makeOutput([N, D], 'float32');
    native.blas.infonceGrad(
      heapBuffer(b),
      heapFloatOffset(b, a),
      heapFloatOffset(b, z),
      heapFloatOffset(b, lse),
      heapFloatOffset(b, pz),
      heapFloatOffset(b, pa),
      B,
      N,
      D,
      1 / tau,
      native.threads,
    );
    return [pz, pa];
  }) as unknown as tf.KernelFunc);
}
