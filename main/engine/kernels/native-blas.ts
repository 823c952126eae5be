import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';

/** The addon in native/ (a Node-API binding to the platform's BLAS sgemm). */
export interface NativeBlas {
  sgemm(
    memory: ArrayBuffer,
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    aOffset: number,
    bOffset: number,
    cOffset: number,
    batch: number,
    strideA: number,
    strideB: number,
    strideC: number,
    threads: number,
  ): void;
  /** InfoNCE's log-sum-exp rows, in column blocks (native/hkd_infonce.c); offsets in floats. */
  infonceLse(
    memory: ArrayBuffer,
    aOffset: number,
    zOffset: number,
    lseOffset: number,
    B: number,
    N: number,
    D: number,
    invTau: number,
    threads: number,
  ): void;
  /** dA = P·Z and dZ = Pᵀ·A for P the softmax rows of invTau·A·Zᵀ, in column blocks. */
  infonceGrad(
    memory: ArrayBuffer,
    aOffset: number,
    zOffset: number,
    lseOffset: number,
    dAOffset: number,
    dZOffset: number,
    B: number,
    N: number,
    D: number,
    invTau: number,
    threads: number,
  ): void;
  info(): { core: string; threads: number; config: string };
}

export type NativeBlasState =
  | {
      ok: true;
      blas: NativeBlas;
      core: string;
      threads: number;
      /** The core type chosen here for this CPU, when none was set. */
      coreTypeSet?: string;
      /** The one this CPU's flags call for, when the environment set another. */
      coreTypeSuggested?: string;
    }
  | { ok: false; reason: string };

const ADDON = join('native', 'build', 'Release', 'hkd_blas.node');
// Optional native code is resolved at run time, never by the bundler.
const nodeRequire = createRequire(__filename);

/** The built addon, looked for above this module (source tree, tests, or out/main). */
function findAddon(): string | undefined {
  if (process.env.HKD_NATIVE_ADDON) return process.env.HKD_NATIVE_ADDON;
  let dir = __dirname;
  for (let up = 0; up < 6; up++) {
    const p = join(dir, ADDON);
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  return undefined;
}

/**
 * OpenBLAS picks its kernels by CPU model, and Debian's 0.3.21 does not know CPUs newer than it:
 * it falls back to "Prescott" kernels, no faster than wasm. The core type has to be set before
 * the library loads, so it is chosen from the CPU's flags (a user's own setting wins).
 */
export function coreTypeFor(cpuinfo: string): string | undefined {
  const flags = new Set((/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? '').trim().split(/\s+/));
  const intel = /GenuineIntel/.test(cpuinfo);
  if (['avx512f', 'avx512vl', 'avx512bw', 'avx512dq'].every((f) => flags.has(f))) return 'SkylakeX';
  // AMD's AVX2 parts (Zen) are recognised; Intel's newer than the library may not be.
  if (intel && flags.has('avx2') && flags.has('fma')) return 'Haswell';
  return undefined;
}

let state: NativeBlasState | undefined;

/** Loads the addon once; says why not when it cannot (not built, no BLAS, turned off). */
export function nativeBlas(): NativeBlasState {
  if (state) return state;
  if (process.env.HKD_NATIVE === '0') return (state = { ok: false, reason: 'HKD_NATIVE=0' });
  const path = findAddon();
  if (!path) return (state = { ok: false, reason: 'addon not built (npm run native)' });
  let coreTypeSet: string | undefined;
  let coreTypeSuggested: string | undefined;
  if (process.platform === 'linux') {
    try {
      const chosen = coreTypeFor(readFileSync('/proc/cpuinfo', 'utf8'));
      const given = process.env.OPENBLAS_CORETYPE;
      // A setting made for other programs (some machines set Haswell for every process) wins,
      // but `hkd doctor` says which kernels this CPU could run instead.
      if (!given && chosen) process.env.OPENBLAS_CORETYPE = coreTypeSet = chosen;
      else if (given && chosen && given.toLowerCase() !== chosen.toLowerCase())
        coreTypeSuggested = chosen;
    } catch {
      // No /proc: OpenBLAS detects the CPU itself.
    }
  }
  try {
    const blas = nodeRequire(path) as NativeBlas;
    const { core } = blas.info();
    return (state = {
      ok: true,
      blas,
      core,
      threads: defaultThreads(),
      coreTypeSet,
      coreTypeSuggested,
    });
  } catch (e) {
    return (state = { ok: false, reason: (e as Error).message.split('\n')[0] });
  }
}

/** As many threads as the cores this process may use, unless HKD_THREADS says otherwise. */
function defaultThreads(): number {
  const asked = Number(process.env.HKD_THREADS);
  return Number.isInteger(asked) && asked > 0 ? asked : availableParallelism();
}

let kernelsOn = true;

/**
 * Switches the native kernels (products, blocked InfoNCE) off and on: tests and
 * `bench --compare-wasm` run the same steps on both paths in one process.
 */
export function useNativeKernels(on: boolean): void {
  kernelsOn = on;
}

export const nativeKernelsOn = (): boolean => kernelsOn;

/** Changes the threads large products use (the benchmark's --threads). */
export function setNativeThreads(n: number): void {
  const s = nativeBlas();
  if (s.ok) s.threads = n;
}

/**
 * Products below this many multiply-adds run on one thread: waking the others costs more than it
 * saves. Measured here (OpenBLAS Zen, 2 cores), 2 threads against 1: 64³ (0.26M) 1.04×, 128³
 * (2.1M) 1.34×, 1024×110×20 (2.3M) 1.39×, 512³ 1.97×.
 */
export const THREADED_MIN_MACS = 1 << 20;
