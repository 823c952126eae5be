import { Command, Option } from 'commander';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchApi } from './api';
import { benchDistillation, benchModelSteps, type StepTiming } from './steps';
import { BACKENDS, type BackendChoice } from '../main/contract';
import { setNativeThreads } from '../main/engine/kernels/native-blas';
import { importDataset } from '../main/ops/datasets';
import { runTraining } from '../main/ops/train';
import { median } from '../main/shared/mean-sd';
import { Store } from '../main/store/db';
import { getDataset } from '../main/store/datasets';

/**
 * `npm run bench -- [--full] [--dims 200,20] [--epochs 5] [--data users.dat]`
 * Timing mode trains a few epochs per configuration and prints seconds per training epoch and
 * per evaluation (median over epochs after the first, which pays for JIT warm-up) and peak
 * memory. Full mode trains to early stopping and prints the best-epoch test metrics.
 */
interface Row {
  model: string;
  dim: number;
  epochs: number;
  bestEpoch: number | null;
  trainSecondsPerEpoch: number;
  evalSeconds: number;
  firstEpochSeconds: number;
  peakRssMB: number;
  backend: string;
  test?: Record<string, number>;
}

async function main(): Promise<void> {
  const o = new Command('bench')
    .option(
      '--data <file>',
      'users.dat to benchmark on',
      resolve(__dirname, '..', '..', 'datasets', 'citeulike', 'users.dat'),
    )
    .option('--dims <list>', 'embedding sizes', '200,20')
    .option('--model <list>', 'base models, e.g. BPR,NeuMF,LightGCN,NGCF,SGL', 'BPR')
    .option('--epochs <n>', 'epochs per configuration in timing mode', '5')
    .option('--full', 'train to early stopping (fidelity) instead of timing a few epochs')
    .option('--seed <n>', 'split seed', '0')
    .option('--home <dir>', 'keep the store here instead of a temporary folder')
    .addOption(new Option('--backend <b>').choices(BACKENDS).default('auto'))
    .option('--kd', 'time distillation steps instead of base-model training')
    .option('--steps', 'time base-model training steps (--model, --dims) instead of whole epochs')
    .option('--methods <list>', 'with --kd: methods', 'DE,PHR,HyperKDMA-DE,HyperKDMA-PHR')
    .option('--teacher-dim <d>', 'with --kd: teacher size', '200')
    .option('--student-dim <d>', 'with --kd: student size', '20')
    .option('--num-tas <list>', 'with --kd: TA counts for HyperKDMA', '8,2')
    .option('--batches <n>', 'with --kd or --steps: measured batches per configuration', '3')
    .option('--api', 'API latency while a run trains, and 20 queued runs through the queue')
    .option('--requests <n>', 'with --api: requests per latency measurement', '1000')
    .option('--threads <n>', 'threads of the native BLAS for large products (default: all cores)')
    .option(
      '--compare-wasm',
      'with --kd or --steps: time each configuration on the plain wasm path too',
    )
    .option(
      '--epoch <n>',
      'with --kd or --steps: the epoch the steps belong to (sets the DE Gumbel temperature)',
      '1',
    )
    .option(
      '--warmup <n>',
      'with --kd or --steps: batches run before timing (first-use costs: shader compilation)',
      '1',
    )
    .addOption(
      new Option(
        '--kernel-times [by]',
        "with --kd or --steps: log the measured batches' time per kernel (or per kernel and input shapes)",
      ).choices(['kernel', 'shape']),
    )
    .option('--json', 'print one JSON document')
    .parse()
    .opts<{
      data: string;
      dims: string;
      model: string;
      epochs: string;
      full?: boolean;
      kd?: boolean;
      steps?: boolean;
      api?: boolean;
      requests: string;
      methods: string;
      teacherDim: string;
      studentDim: string;
      numTas: string;
      batches: string;
      seed: string;
      home?: string;
      backend: BackendChoice;
      threads?: string;
      compareWasm?: boolean;
      epoch: string;
      warmup: string;
      kernelTimes?: true | 'kernel' | 'shape';
      json?: boolean;
    }>();
  if (o.threads !== undefined) setNativeThreads(Number(o.threads));
  if (!existsSync(o.data)) throw new Error(`benchmark data not found: ${o.data}`);
  if (o.api) {
    const r = await benchApi({ data: o.data, requests: Number(o.requests), home: o.home }, (line) =>
      process.stderr.write(`${line}\n`),
    );
    process.stdout.write(`${JSON.stringify({ data: o.data, mode: 'api', ...r }, null, 1)}\n`);
    return;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const step = {
    data: o.data,
    batches: Number(o.batches),
    backend: o.backend,
    compareWasm: o.compareWasm,
    epoch: Number(o.epoch),
    warmup: Number(o.warmup),
    kernelTimes: o.kernelTimes === true ? 'kernel' : o.kernelTimes,
  };
  if (o.kd || o.steps) {
    const rows = o.kd
      ? await benchDistillation(
          {
            ...step,
            methods: o.methods.split(','),
            teacherDim: Number(o.teacherDim),
            studentDim: Number(o.studentDim),
            numTas: o.numTas.split(',').map(Number),
          },
          log,
        )
      : await benchModelSteps(
          { ...step, models: o.model.split(','), dims: o.dims.split(',').map(Number) },
          log,
        );
    if (o.json) {
      process.stdout.write(
        `${JSON.stringify({ data: o.data, mode: o.kd ? 'kd' : 'steps', rows })}\n`,
      );
      return;
    }
    const name = (r: (typeof rows)[number]) =>
      'method' in r
        ? `${r.method} ${r.teacherDim}→${r.studentDim}${r.taDims.length ? ` TAs [${r.taDims.join(', ')}]` : ''}`
        : `${r.model} d=${r.dim}`;
    rows.forEach((r, k) => {
      const prev: StepTiming | undefined = rows[k - 1];
      const vsNative =
        r.path === 'wasm' && prev?.path === 'native' && name(rows[k - 1]) === name(r)
          ? `; the native path is ${(r.secondsPerBatch / prev.secondsPerBatch).toFixed(2)}× faster`
          : '';
      process.stdout.write(
        `${name(r)} [${r.device}]: ${r.secondsPerBatch.toFixed(3)} s/batch (median of ${r.measuredBatches}), ` +
          `≈ ${r.secondsPerEpochExtrapolated.toFixed(1)} s/epoch extrapolated to ${r.batchesPerEpoch} batches, ` +
          `peak RSS ${r.peakRssMB} MB${vsNative}` +
          (r.memoryGrowthMB
            ? `; the backend's memory grew ${r.memoryGrowthMB} MB while measuring (first use of ` +
              'memory is slow: a longer --warmup times the steady state)'
            : '') +
          '\n',
      );
    });
    return;
  }
  const home = o.home ?? mkdtempSync(join(tmpdir(), 'hkd-bench-'));
  const store = new Store(home);
  try {
    const name = 'bench';
    try {
      getDataset(store, name);
    } catch {
      const t0 = performance.now();
      const d = await importDataset(() => store, { file: o.data, name });
      log(
        `imported ${o.data}: ${d.stats.users} users, ${d.stats.items} items, ${d.stats.interactions} interactions, ${d.stats.trainInteractions} training (${((performance.now() - t0) / 1000).toFixed(2)} s)`,
      );
    }
    const rows: Row[] = [];
    const configs = o.model
      .split(',')
      .flatMap((model) => o.dims.split(',').map((d) => ({ model, dim: Number(d) })));
    for (const { model, dim } of configs) {
      const train: number[] = [];
      const evals: number[] = [];
      let peak = 0;
      const { run, backend } = await runTraining(
        store,
        {
          dataset: name,
          model,
          dim,
          seed: Number(o.seed),
          backend: o.backend,
          label: o.full ? 'bench-full' : 'bench-timing',
          ...(o.full ? {} : { maxEpochs: Number(o.epochs), patience: 100_000 }),
        },
        {
          onEpoch: (e) => {
            train.push(e.trainSeconds);
            evals.push(e.evalSeconds);
            peak = Math.max(peak, process.memoryUsage().rss);
            log(
              `${model} d=${dim} epoch ${e.epoch}: train ${e.trainSeconds.toFixed(2)} s, eval ${e.evalSeconds.toFixed(3)} s, valid H@5 ${e.valid.H5.toFixed(4)}, test H@5 ${e.test.H5.toFixed(4)}`,
            );
          },
        },
      );
      rows.push({
        model,
        dim,
        epochs: run.epochsRun,
        bestEpoch: run.bestEpoch,
        // The first epoch pays for warm-up; a single-epoch timing (slow models) includes it.
        trainSecondsPerEpoch: median(train.length > 1 ? train.slice(1) : train),
        evalSeconds: median(evals.length > 1 ? evals.slice(1) : evals),
        firstEpochSeconds: train[0] + evals[0],
        peakRssMB: Math.round(peak / 2 ** 20),
        backend: `${backend.name} (${backend.device})`,
        ...(o.full && run.summary ? { test: { ...run.summary.test } } : {}),
      });
    }
    if (o.json) {
      process.stdout.write(
        `${JSON.stringify({ data: o.data, mode: o.full ? 'full' : 'timing', rows })}\n`,
      );
    } else {
      for (const r of rows) {
        process.stdout.write(
          `${r.model} dim ${r.dim} [${r.backend}]: ${r.trainSecondsPerEpoch.toFixed(2)} s/training epoch, ` +
            `${r.evalSeconds.toFixed(3)} s/evaluation (${r.epochs > 1 ? `median of epochs 2..${r.epochs}; ` : 'one epoch, warm-up included; '}first epoch ${r.firstEpochSeconds.toFixed(2)} s), ` +
            `peak RSS ${r.peakRssMB} MB` +
            (r.test
              ? `\n  epochs ${r.epochs}, best ${r.bestEpoch}; test ${Object.entries(r.test)
                  .map(([k, v]) => `${k} ${v.toFixed(4)}`)
                  .join('  ')}`
              : '') +
            '\n',
        );
      }
    }
  } finally {
    store.close();
    if (!o.home) rmSync(home, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
