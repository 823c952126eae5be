import * as tf from '@tensorflow/tfjs-core';

// Where a step's time goes, kernel by kernel: every kernel of a backend is wrapped with a clock.
// A CPU profile cannot say this on wasm: the backend's functions carry no names, and the native
// products show up as the JavaScript that calls them. Kernels that run other kernels are charged
// their own time only, so the rows add up to the time spent in kernels.

export interface KernelTime {
  kernel: string;
  calls: number;
  ms: number;
}

interface Account {
  calls: number;
  ms: number;
}

export interface KernelClock {
  /** Starts a new account (after warm-up batches). */
  reset(): void;
  /** Kernels by their own time, largest first. */
  report(): KernelTime[];
  /** Puts the backend's kernels back as they were. */
  stop(): void;
}

/** "Sum 30400x200 float32": a kernel and its inputs' shapes and types. */
function callName(kernel: string, inputs: tf.NamedTensorInfoMap): string {
  const shapes = Object.values(inputs).map((t) => `${t!.shape.join('x') || 'scalar'} ${t!.dtype}`);
  return `${kernel} ${shapes.join(', ')}`;
}

/**
 * Wraps every kernel registered for `backend` (synchronous ones: wasm, cpu) with a clock, by
 * kernel or, with `byShape`, by kernel and input shapes.
 */
export function clockKernels(backend: string, byShape = false): KernelClock {
  const originals = tf.getKernelsForBackend(backend);
  let accounts = new Map<string, Account>();
  // Time spent in kernels called from inside the running one, per nesting level.
  const inner: number[] = [];
  for (const k of originals) {
    const run = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, backend);
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        inner.push(0);
        const t0 = performance.now();
        try {
          return run(args);
        } finally {
          const total = performance.now() - t0;
          const own = total - inner.pop()!;
          if (inner.length) inner[inner.length - 1] += total;
          const key = byShape ? callName(k.kernelName, args.inputs) : k.kernelName;
          const a = accounts.get(key) ?? { calls: 0, ms: 0 };
          a.calls += 1;
          a.ms += own;
          accounts.set(key, a);
        }
      },
    });
  }
  return {
    reset: () => {
      accounts = new Map();
    },
    report: () =>
      [...accounts].map(([kernel, a]) => ({ kernel, ...a })).sort((x, y) => y.ms - x.ms),
    stop: () => {
      for (const k of originals) {
        tf.unregisterKernel(k.kernelName, backend);
        tf.registerKernel(k);
      }
    },
  };
}
