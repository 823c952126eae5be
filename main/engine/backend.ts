import * as tf from '@tensorflow/tfjs-core';
// Gradients are registered separately from ops in tfjs-core; training needs them all.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
// Both bundled backends register at load; choosing one only calls setBackend.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { InputError } from '../errors';
import { registerCsrProduct } from './kernels/csr-product';
import { registerHashDropout } from './kernels/dropout';
import { registerLeakyReluGrad } from './kernels/leaky-relu';
import { registerColumnSum } from './kernels/column-sum';
import { registerHeapSlices } from './kernels/heap-slice';
import { registerMatrixTranspose } from './kernels/transpose';
import { registerSumGradient } from './kernels/sum-gradient';
import { registerExpertMix } from './kernels/expert-mix';
import { registerFastMatMul } from './kernels/matmul-fast-path';
import { registerRowGather } from './kernels/row-gather';
import { registerOuterPairs } from './kernels/outer-pairs';
import { nativeBlas } from './kernels/native-blas';
import { registerNativeMatMul } from './kernels/native-matmul';
import { registerNativeInfoNce } from './kernels/infonce';
import { registerSegmentSum } from './kernels/segment-sum';
import { registerZeroCopyKernels } from './kernels/zero-copy';
import { mayHaveGpu, setUpWebGpu, useWebGpu, webGpuDevice } from './webgpu';

import type { BackendChoice } from '../contract';

export interface BackendInfo {
  /** What was asked for after resolving `auto`. */
  choice: Exclude<BackendChoice, 'auto'>;
  /** The tfjs backend name. */
  name: string;
  device: string;
}

// Optional native packages must be resolved at run time, never by the bundler.
const nodeRequire = createRequire(__filename);

async function tryBackend(
  choice: Exclude<BackendChoice, 'auto'>,
  auto: boolean,
): Promise<BackendInfo> {
  switch (choice) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      nodeRequire(
        choice === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node',
      );
      if (!(await tf.setBackend('tensorflow'))) throw new Error('backend did not initialise');
      return {
        choice,
        name: 'tensorflow',
        device: choice === 'tensorflow-gpu' ? 'gpu (CUDA)' : 'cpu (libtensorflow)',
      };
    }
    case 'webgpu': {
      // `auto` wants a real GPU: a software adapter trains far slower than the CPU backends.
      if (auto && !mayHaveGpu()) throw new Error('no GPU device on this machine');
      const adapter = await setUpWebGpu();
      if (auto && adapter.software)
        throw new Error(`only a software adapter (${adapter.description || adapter.device})`);
      return { choice, name: 'webgpu', device: webGpuDevice(await useWebGpu()) };
    }
    case 'wasm': {
      registerSegmentSum('wasm');
      registerZeroCopyKernels();
      registerHeapSlices();
      registerMatrixTranspose();
      registerColumnSum();
      registerSumGradient();
      registerFastMatMul();
      registerExpertMix();
      registerCsrProduct();
      registerHashDropout();
      registerLeakyReluGrad();
      registerRowGather();
      registerOuterPairs();
      const native = nativeBlas();
      if (native.ok) {
        registerNativeMatMul(native);
        registerNativeInfoNce(native);
      }
      if (!(await tf.setBackend('wasm'))) throw new Error('backend did not initialise');
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      return { choice, name: 'wasm', device: wasmDevice(simd === true) };
    }
    case 'cpu': {
      registerSegmentSum('cpu');
      if (!(await tf.setBackend('cpu'))) throw new Error('backend did not initialise');
      return { choice, name: 'cpu', device: 'cpu (javascript)' };
    }
  }
}

/** What runs a wasm-backend step: e.g. `cpu (wasm simd + OpenBLAS Zen sgemm, 2 threads)`. */
export function wasmDevice(simd: boolean): string {
  const wasm = `wasm${simd ? ' simd' : ''}`;
  const native = nativeBlas();
  if (!native.ok) return `cpu (${wasm}, 1 thread; no native BLAS: ${native.reason})`;
  const blas = native.core === 'Accelerate' ? 'Accelerate' : `OpenBLAS ${native.core}`;
  const threads = `${native.threads} thread${native.threads === 1 ? '' : 's'}`;
  return `cpu (${wasm} + ${blas} sgemm, ${threads})`;
}

let active: BackendInfo | undefined;

/**
 * Selects the compute backend: an explicit choice must work, `auto` falls through
 * tfjs-node-gpu → WebGPU on a real GPU → tfjs-node → wasm → cpu.
 */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (active && (choice === 'auto' || choice === active.choice)) return active;
  const order: Exclude<BackendChoice, 'auto'>[] =
    choice === 'auto' ? ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] : [choice];
  const failures: string[] = [];
  for (const c of order) {
    try {
      active = await tryBackend(c, choice === 'auto');
      return active;
    } catch (e) {
      failures.push(`${c}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new InputError(`no usable compute backend (${failures.join('; ')})`);
}
