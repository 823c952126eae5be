import { filterAndRemap, DEFAULT_FILTER } from './data/dataset';
import { readInteractions } from './data/read-interactions';
import { Rng } from './data/rng';
import { batches, sampleEpoch } from './data/sampler';
import { buildSplit, trainSet } from './data/split';
import { Adam } from './engine/adam';
import { initBackend, type BackendChoice } from './engine/backend';
import { nativeBlas } from './engine/kernels/native-blas';
import { useNativeMatMul } from './engine/kernels/native-matmul';
import { GradScope } from './engine/grad-scope';
import { frozenGuide } from './engine/kd/guide';
import { taSizes } from './engine/kd/ta-sizes';
import { buildDistilledStudent } from './ops/distill';
import { parseDistillConfig } from './ops/distill-config';

export interface KdBenchOptions {
  data: string;
  methods: string[];
  teacherDim: number;
  studentDim: number;
  numTas: number[];
  batches: number;
  backend: BackendChoice;
  /** Time every configuration on the plain wasm path too, in this process. */
  compareWasm?: boolean;
}

export interface KdBenchRow {
  method: string;
  teacherDim: number;
  studentDim: number;
  taDims: number[];
  secondsPerBatch: number;
  batchesPerEpoch: number;
  /** secondsPerBatch × batchesPerEpoch: measured on `measuredBatches`, not a full epoch. */
  secondsPerEpochExtrapolated: number;
  measuredBatches: number;
  peakRssMB: number;
  /** What ran the products: the native BLAS or the plain wasm path. */
  path: 'native' | 'wasm';
  device: string;
}

/**
 * Times distillation training steps (forward, backward, Adam) on the real dataset's batches. The
 * teacher representation is random: step cost does not depend on its values. A full epoch of the
 * paper configuration takes hours on a CPU, so seconds per epoch are extrapolated from the median
 * batch (after a warm-up batch) and labelled as such.
 */
export async function benchDistillation(
  o: KdBenchOptions,
  log: (s: string) => void,
): Promise<KdBenchRow[]> {
  const backend = await initBackend(o.backend);
  const native = backend.name === 'wasm' && nativeBlas().ok;
  const paths: ('native' | 'wasm')[] = native
    ? o.compareWasm
      ? ['native', 'wasm']
      : ['native']
    : ['wasm'];
  const { raw } = await readInteractions(o.data, 'auto');
  const dataset = filterAndRemap(raw, DEFAULT_FILTER);
  const split = buildSplit(dataset, 0);
  const train = trainSet(dataset, split);
  const rng = Rng.seeded(0, 9);
  const random = (n: number) => Float32Array.from({ length: n }, () => 0.1 * rng.normal());
  const dT = o.teacherDim;
  const teacher = frozenGuide('teacher', dT, {
    users: random(dataset.nUsers * dT),
    items: random(dataset.nItems * dT),
  });
  const perEpoch = Math.ceil(train.items.length / 1024);
  const rows: KdBenchRow[] = [];
  for (const method of o.methods) {
    for (const m of method.startsWith('HyperKDMA') ? o.numTas : [0]) {
      const cfg = parseDistillConfig({
        dataset: 'bench',
        teacher: 1,
        method,
        studentDim: o.studentDim,
        ...(m ? { numTas: m } : {}),
      });
      const taDims = m ? taSizes(dT, o.studentDim, m).sizes : [];
      const ctx = { dataset, split, train, initRng: Rng.seeded(0, 2), noiseRng: Rng.seeded(0, 4) };
      const model = buildDistilledStudent(
        { cfg, model: 'BPR', options: {}, dT, taDims, guides: [teacher], taGuides: [] },
        ctx,
      );
      const opt = new Adam(model.params);
      model.startEpoch(0);
      for (const path of paths) {
        useNativeMatMul(path === 'native');
        const times: number[] = [];
        let peak = 0;
        for (const b of batches(sampleEpoch(train, Rng.seeded(0, 3)), 1024)) {
          const t0 = performance.now();
          GradScope.step((s) => model.loss(s, b));
          opt.step();
          times.push((performance.now() - t0) / 1000);
          peak = Math.max(peak, process.memoryUsage().rss);
          log(
            `${method} ${dT}→${o.studentDim}${m ? ` m=${m}` : ''} (${path}): batch ${times.length} ${times.at(-1)!.toFixed(2)} s`,
          );
          if (times.length > o.batches) break;
        }
        const measured = times.slice(1).sort((a, b) => a - b);
        const med = measured[Math.floor((measured.length - 1) / 2)];
        rows.push({
          method,
          teacherDim: dT,
          studentDim: o.studentDim,
          taDims,
          secondsPerBatch: med,
          batchesPerEpoch: perEpoch,
          secondsPerEpochExtrapolated: med * perEpoch,
          measuredBatches: measured.length,
          peakRssMB: Math.round(peak / 2 ** 20),
          path,
          device: path === 'native' ? backend.device : 'cpu (plain wasm products)',
        });
      }
      useNativeMatMul(true);
    }
  }
  return rows;
}
