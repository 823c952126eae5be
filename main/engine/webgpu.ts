import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readdirSync } from 'node:fs';

// WebGPU in the trainer process: Dawn (the `webgpu` package, a Node-API addon that ships its own
// binary) provides `navigator.gpu`, and tfjs-backend-webgpu runs on it. Node 20 has no
// `navigator`, and tfjs-backend-webgpu registers itself only if `navigator.gpu` exists when it
// loads, so both are loaded here, in that order, and only when asked for.

/** The adapter a run trained on, as Dawn reports it. */
export interface GpuAdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software or CPU implementation (Mesa's lavapipe, SwiftShader), not a GPU. */
  software: boolean;
}

interface DawnAdapter {
  info: {
    vendor: string;
    architecture: string;
    device: string;
    description: string;
    isFallbackAdapter?: boolean;
  };
}
interface DawnGpu {
  requestAdapter(o?: { powerPreference?: string }): Promise<DawnAdapter | null>;
}
interface DawnModule {
  create(flags: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

/**
 * Whether `auto` should look for a GPU at all. On Linux a GPU has a device node (a DRM render
 * node, NVIDIA's, or WSL's); without one only a software driver could answer, and loading Dawn to
 * find that out costs time and prints the driver's notes on every run.
 */
export function mayHaveGpu(): boolean {
  if (process.platform !== 'linux') return true;
  return hasRenderNode() || existsSync('/dev/nvidia0') || existsSync('/dev/dxg');
}

function hasRenderNode(): boolean {
  try {
    return readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false;
  }
}

let facts: Promise<GpuAdapterFacts> | undefined;

/** `navigator.gpu` from Dawn and its adapter; throws, saying why, where there is none. */
export function setUpWebGpu(): Promise<GpuAdapterFacts> {
  facts ??= (async () => {
    let dawn: DawnModule;
    try {
      dawn = (await import('webgpu')) as unknown as DawnModule;
    } catch (e) {
      throw new Error(`the optional 'webgpu' package is not installed (${(e as Error).message})`);
    }
    const gpu = dawn.create([]);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter)
      throw new Error('no WebGPU adapter: no Vulkan, Metal or D3D12 driver that Dawn accepts');
    const g = globalThis as Record<string, unknown>;
    for (const [k, v] of Object.entries(dawn.globals)) g[k] ??= v;
    const nav = (g.navigator ?? {}) as Record<string, unknown>;
    Object.defineProperty(globalThis, 'navigator', {
      value: Object.assign(nav, { gpu }),
      configurable: true,
      writable: true,
    });
    const { vendor, architecture, device, description } = adapter.info;
    return {
      vendor,
      architecture,
      device,
      description,
      software:
        adapter.info.isFallbackAdapter === true ||
        /software|cpu|swiftshader|llvmpipe|lavapipe/i.test(`${architecture} ${description}`),
    };
  })();
  facts.catch(() => (facts = undefined));
  return facts;
}

/** e.g. `gpu (WebGPU: nvidia ampere, NVIDIA GeForce RTX 3090)`, or the software driver named. */
export function webGpuDevice(f: GpuAdapterFacts): string {
  const what = [f.vendor, f.architecture].filter(Boolean).join(' ');
  return `${f.software ? 'software GPU' : 'gpu'} (WebGPU: ${what}, ${f.description || f.device})`;
}

/** The first error the device reported since the last check (WebGPU reports them as events). */
let deviceError: string | undefined;

interface TfjsWebGpuBackend {
  device: {
    limits: { maxStorageBufferBindingSize: number };
    onuncapturederror: ((e: { error: { message: string } }) => void) | null;
  };
}

const webGpuBackend = () => tf.backend() as unknown as TfjsWebGpuBackend;

/** Selects the tfjs WebGPU backend on Dawn's adapter (set up first: see `setUpWebGpu`). */
export async function useWebGpu(): Promise<GpuAdapterFacts> {
  const f = await setUpWebGpu();
  // It registers itself only if `navigator.gpu` exists as it loads.
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('the WebGPU backend did not initialise');
  // tfjs leaves a failed GPU command to the console and carries on with garbage: fail instead.
  webGpuBackend().device.onuncapturederror = (e) => (deviceError ??= e.error.message);
  return f;
}

/** Throws the device's error if work since the last check failed (after reading its results). */
export function throwOnDeviceError(): void {
  const e = deviceError;
  deviceError = undefined;
  if (e) throw new Error(`the GPU refused the work: ${e.split('\n')[0]}`);
}

/**
 * The largest tensor (in floats) an operation may read on the active backend: WebGPU binds a
 * tensor as one storage buffer, at most the adapter's limit (128 MiB on Mesa's lavapipe, GiBs on
 * GPUs); unbounded elsewhere.
 */
export function maxBoundFloats(): number {
  if (tf.getBackend() !== 'webgpu') return Infinity;
  return Math.floor(webGpuBackend().device.limits.maxStorageBufferBindingSize / 4);
}

/**
 * Whether the active backend can read a tensor's values synchronously. WebGPU cannot in Node
 * (tfjs reads it back through an OffscreenCanvas, which Node lacks): steps and evaluation then
 * read asynchronously.
 */
export const readsSynchronously = (): boolean => tf.getBackend() !== 'webgpu';

/** A float32 tensor's values, on any backend (asynchronous where it must be). */
export async function readTensor(t: tf.Tensor): Promise<Float32Array> {
  if (readsSynchronously()) return t.dataSync() as Float32Array;
  const values = (await t.data()) as Float32Array;
  throwOnDeviceError();
  return values;
}
