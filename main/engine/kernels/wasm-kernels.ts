import * as tf from '@tensorflow/tfjs-core';

// How this project changes the wasm backend's kernel registry: its own kernels are added once,
// and a backend kernel is wrapped once per purpose (several wrap BatchMatMul in turn), keeping
// the setup that binds the backend's compiled functions.

type Tagged = tf.KernelConfig & { hkdTags?: string[] };

/** Adds a kernel of the project's own to the wasm backend, if it is not there yet. */
export function addWasmKernel(name: string, kernelFunc: tf.KernelFunc): void {
  if (!tf.getKernel(name, 'wasm'))
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc });
}

/**
 * Replaces the wasm backend's kernel `name` by `wrap(current)` unless a wrapper with this `tag`
 * is in place already; the current kernel stays reachable as the wrapper's fallback.
 */
export function wrapWasmKernel(
  name: string,
  tag: string,
  wrap: (current: tf.KernelFunc) => tf.KernelFunc,
): void {
  const current = tf.getKernel(name, 'wasm') as Tagged | undefined;
  const tags = current?.hkdTags ?? [];
  if (!current || tags.includes(tag)) return;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: wrap(current.kernelFunc),
    setupFunc: current.setupFunc,
    hkdTags: [...tags, tag],
  } as Tagged);
}
