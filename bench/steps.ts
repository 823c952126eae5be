import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type BackendChoice, methodFacts, type ModelName, modelOptions } from '../main/contract';
import { filterAndRemap, DEFAULT_FILTER, type Dataset } from '../main/data/dataset';
import { readInteractions } from '../main/data/read-interactions';
import { Rng } from '../main/data/rng';
import { batches, sampleEpoch } from '../main/data/sampler';
import { buildSplit, trainSet, type Split, type TrainSet } from '../main/data/split';
import { Adam } from '../main/engine/adam';
import { initBackend, type BackendInfo } from '../main/engine/backend';
import { GradScope } from '../main/engine/grad-scope';
import { frozenGuide } from '../main/engine/kd/guide';
import { taSizes } from '../main/engine/kd/ta-sizes';
import { heapBuffer } from '../main/engine/kernels/heap-kernels';
import { nativeBlas, useNativeKernels } from '../main/engine/kernels/native-blas';
import type { Recommender } from '../main/engine/models/model';
import { createModel } from '../main/engine/models/registry';
import { buildDistilledStudent } from '../main/ops/distilled-student';
import { parseDistillConfig } from '../main/ops/distill-config';
import { median } from '../main/shared/mean-sd';
import { clockKernels, type KernelTime } from './kernel-times';

// Step timing: real training steps (forward, backward, Adam) on the dataset's batches. Epochs of
// the paper's configurations take many minutes to hours on a CPU, so seconds per epoch are
// extrapolated from the median batch (after a warm-up batch) and labelled as such; evaluation is
// not included.

export interface StepOptions {
  data: string;
  batches: number;
  backend: BackendChoice;
  /** Time every configuration on the plain wasm path too, in this process. */
  compareWasm?: boolean;
  /** The epoch the steps belong to (its Gumbel temperature for DE modules); default 1. */
  epoch?: number;
  /** Batches run before timing (first-use costs: kernel compilation, allocation); default 1. */
  warmup?: number;
  /** Log the measured batches' time per kernel, or per kernel and input shapes (wasm, cpu). */
  kernelTimes?: 'kernel' | 'shape';
}

export interface KdBenchOptions extends StepOptions {
  methods: string[];
  teacherDim: number;
  studentDim: number;
  numTas: number[];
}

export interface ModelStepOptions extends StepOptions {
  models: string[];
  dims: number[];
}

export interface StepTiming {
  secondsPerBatch: number;
  batchesPerEpoch: number;
  /** secondsPerBatch × batchesPerEpoch: measured on `measuredBatches`, not a full epoch. */
  secondsPerEpochExtrapolated: number;
  measuredBatches: number;
  peakRssMB: number;
  /**
   * How much the wasm backend's memory grew during the measured batches. Memory used for the
   * first time is slow to touch (a DGKD expert gradient over 1,990 × 3,300 floats took 108 ms on
   * fresh memory, 3–4 ms on reused), so a growth means the warm-up was too short for these
   * shapes. Undefined on other backends.
   */
  memoryGrowthMB?: number;
  /** `native` or `wasm` (the wasm backend with or without native products), else the backend. */
  path: string;
  device: string;
}

export interface KdBenchRow extends StepTiming {
  method: string;
  teacherDim: number;
  studentDim: number;
  taDims: number[];
}

export interface ModelStepRow extends StepTiming {
  model: string;
  dim: number;
}

interface BenchData {
  backend: BackendInfo;
  dataset: Dataset;
  split: Split;
  train: TrainSet;
  /** The wasm backend with and without native products, or another backend by its name. */
  paths: string[];
}

async function prepare(o: StepOptions): Promise<BenchData> {
  const backend = await initBackend(o.backend);
  const { raw } = await readInteractions(o.data, 'auto');
  const dataset = filterAndRemap(raw, DEFAULT_FILTER);
  const split = buildSplit(dataset, 0);
  const native = backend.name === 'wasm' && nativeBlas().ok;
  const paths: BenchData['paths'] =
    backend.name !== 'wasm'
      ? [backend.name]
      : !native
        ? ['wasm']
        : o.compareWasm
          ? ['native', 'wasm']
          : ['native'];
  return { backend, dataset, split, train: trainSet(dataset, split), paths };
}

/** Times `batches` steps of `model` (after a warm-up one) on each path. */
async function timeSteps(
  d: BenchData,
  model: Recommender,
  o: StepOptions,
  label: string,
  log: (s: string) => void,
): Promise<StepTiming[]> {
  const opt = new Adam(model.params);
  model.startEpoch?.(o.epoch ?? 1);
  const perEpoch = Math.ceil(d.train.items.length / 1024);
  const out: StepTiming[] = [];
  const warmup = o.warmup ?? 1;
  for (const path of d.paths) {
    useNativeKernels(path === 'native');
    const times: number[] = [];
    let peak = 0;
    const clock = o.kernelTimes
      ? clockKernels(tf.getBackend(), o.kernelTimes === 'shape')
      : undefined;
    let memoryAtStart: number | undefined;
    for (const b of batches(sampleEpoch(d.train, Rng.seeded(0, 3)), 1024)) {
      if (times.length === warmup) {
        clock?.reset();
        memoryAtStart = backendMemoryBytes();
      }
      const t0 = performance.now();
      await GradScope.stepAsync((s) => model.loss(s, b));
      opt.step();
      times.push((performance.now() - t0) / 1000);
      peak = Math.max(peak, process.memoryUsage().rss);
      log(`${label} (${path}): batch ${times.length} ${times.at(-1)!.toFixed(3)} s`);
      if (times.length >= warmup + o.batches) break;
    }
    const measured = times.slice(warmup);
    if (clock) {
      logKernelTimes(clock.report(), measured, `${label} (${path})`, log);
      clock.stop();
    }
    const med = median(measured);
    out.push({
      secondsPerBatch: med,
      batchesPerEpoch: perEpoch,
      secondsPerEpochExtrapolated: med * perEpoch,
      measuredBatches: measured.length,
      peakRssMB: Math.round(peak / 2 ** 20),
      memoryGrowthMB:
        memoryAtStart === undefined
          ? undefined
          : Math.round((backendMemoryBytes()! - memoryAtStart) / 2 ** 20),
      path,
      device: path === 'wasm' ? 'cpu (plain wasm products)' : d.backend.device,
    });
  }
  useNativeKernels(true);
  return out;
}

/** The wasm backend's memory size in bytes (undefined on other backends). */
function backendMemoryBytes(): number | undefined {
  return tf.getBackend() === 'wasm'
    ? heapBuffer(tf.backend() as unknown as BackendWasm).byteLength
    : undefined;
}

function logKernelTimes(
  rows: KernelTime[],
  measured: number[],
  label: string,
  log: (s: string) => void,
): void {
  const perBatch = (ms: number) => ms / measured.length;
  const stepMs = perBatch(1000 * measured.reduce((a, b) => a + b, 0));
  const inKernels = perBatch(rows.reduce((a, r) => a + r.ms, 0));
  const width = Math.max(20, ...rows.map((r) => r.kernel.length)) + 2;
  const line = (name: string, ms: number, calls?: number) =>
    `  ${name.padEnd(width)} ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / stepMs).toFixed(1).padStart(5)}%` +
    (calls === undefined ? '' : `  ${Number((calls / measured.length).toFixed(1))} calls`);
  log(`${label}: time per batch by kernel (own time, mean of ${measured.length} batches)`);
  // Kernels under 0.5% of the step are summed in one line.
  const shown = rows.filter((r) => perBatch(r.ms) >= 0.005 * stepMs);
  for (const r of shown) log(line(r.kernel, perBatch(r.ms), r.calls));
  log(line('(other kernels)', inKernels - perBatch(shown.reduce((a, r) => a + r.ms, 0))));
  log(line('(outside kernels)', stepMs - inKernels));
  log(line('(step)', stepMs));
}

/** Base models' training steps (every model at the given sizes). */
export async function benchModelSteps(
  o: ModelStepOptions,
  log: (s: string) => void,
): Promise<ModelStepRow[]> {
  const d = await prepare(o);
  const rows: ModelStepRow[] = [];
  for (const model of o.models) {
    for (const dim of o.dims) {
      const name = model as ModelName;
      const m = createModel(name, {
        nUsers: d.dataset.nUsers,
        nItems: d.dataset.nItems,
        dim,
        train: d.train,
        rng: Rng.seeded(0, 2),
        noise: Rng.seeded(0, 4),
        options: modelOptions(name),
      });
      for (const t of await timeSteps(d, m, o, `${model} d=${dim}`, log))
        rows.push({ model, dim, ...t });
    }
  }
  return rows;
}

/**
 * Distillation steps. The teacher representation is random: step cost does not depend on its
 * values.
 */
export async function benchDistillation(
  o: KdBenchOptions,
  log: (s: string) => void,
): Promise<KdBenchRow[]> {
  const d = await prepare(o);
  const rng = Rng.seeded(0, 9);
  const random = (n: number) => Float32Array.from({ length: n }, () => 0.1 * rng.normal());
  const dT = o.teacherDim;
  const guide = (name: string, dim: number) =>
    frozenGuide(name, dim, {
      users: random(d.dataset.nUsers * dim),
      items: random(d.dataset.nItems * dim),
    });
  const teacher = guide('teacher', dT);
  const rows: KdBenchRow[] = [];
  for (const method of o.methods) {
    const facts = methodFacts(method);
    // A TAKD link is a DE/PHR run from the previous link: time it with --teacher-dim instead.
    if (facts?.family === 'TAKD')
      throw new Error(`${method}: time its links as DE/PHR with --teacher-dim and --student-dim`);
    for (const m of facts?.usesTas ? o.numTas : [0]) {
      const cfg = parseDistillConfig({
        dataset: 'bench',
        teacher: 1,
        method,
        studentDim: o.studentDim,
        ...(m ? { numTas: m } : {}),
      });
      const taDims = m ? taSizes(dT, o.studentDim, m).sizes : [];
      const ctx = { ...d, initRng: Rng.seeded(0, 2), noiseRng: Rng.seeded(0, 4) };
      // DGKD's student learns from the teacher and every TA (random frozen tables of their sizes).
      const guides = facts?.dropsGuides
        ? [teacher, ...[...taDims].sort((a, b) => b - a).map((w, j) => guide(`ta${j}`, w))]
        : [teacher];
      const model = buildDistilledStudent(
        { cfg, model: 'BPR', options: {}, dT, taDims, guides, taGuides: [] },
        ctx,
      );
      const label = `${method} ${dT}→${o.studentDim}${m ? ` m=${m}` : ''}`;
      for (const t of await timeSteps(d, model, o, label, log))
        rows.push({ method, teacherDim: dT, studentDim: o.studentDim, taDims, ...t });
    }
  }
  return rows;
}
