import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { BACKENDS, type BackendChoice } from '../engine/backend';
import { MODEL_NAMES } from '../engine/models/registry';
import { FORMATS, type Format } from '../data/read-interactions';
import { isUserError } from '../errors';
import { ensureDemoDataset, importDataset, synthDataset } from '../ops/datasets';
import { DISTILL_METHODS, TA_SOURCES } from '../ops/distill-config';
import { runDistill } from '../ops/distill';
import { exportGates } from '../ops/gates';
import { PHR_ENRICHMENTS } from '../engine/kd/enrichment';
import { resumeRun } from '../ops/resume';
import { runTraining } from '../ops/train';
import { resolveHome } from '../paths';
import { Store } from '../store/db';
import { getDataset, listDatasets } from '../store/datasets';
import { getEpochs, getRun, listRuns, reapInterrupted } from '../store/runs';
import { ProgressLine } from './progress';
import {
  datasetDetailView,
  datasetView,
  distillView,
  fmt,
  metricsLine,
  runView,
  table,
} from './views';

/** Exit codes; a run cancelled with Ctrl-C ends like any interrupted command (128 + SIGINT). */
export const EXIT = { ok: 0, runFailed: 1, usage: 2, cancelled: 130 } as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is an interactive terminal (live progress line). */
  tty: boolean;
  /** Subscribes to Ctrl-C while a run trains; returns the unsubscribe function. */
  onInterrupt?(handler: () => void): () => void;
  /** Leaves at once (a second Ctrl-C); the run is left interrupted and resumable. */
  abort?(): never;
}

function intArg(name: string, min = 0) {
  return (v: string): number => {
    if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError(`'${v}' is not an integer`);
    const n = Number(v);
    if (n < min) throw new InvalidArgumentError(`${name} must be ≥ ${min}`);
    return n;
  };
}

function numArg(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`'${v}' is not a number`);
  return n;
}

/**
 * Builds the `hkd` program. Output goes through `io` so tests can run it in-process; the caller
 * maps the returned promise's exit code to the process.
 */
export function buildProgram(io: Io): {
  program: Command;
  run: (argv: string[]) => Promise<number>;
} {
  let store: Store | undefined;
  const program = new Command('hkd');
  const openStore = () => {
    if (!store) {
      store = new Store(resolveHome(program.opts<{ home?: string }>().home));
      // A run whose process died (killed, crashed, power loss) is interrupted, not running.
      reapInterrupted(store);
    }
    return store;
  };
  const emit = (json: boolean, value: unknown, text: () => string) =>
    io.out(json ? JSON.stringify(value) : text());

  program
    .description('HyperKDMA Workbench: datasets, training and distillation runs from the terminal')
    .option('--home <dir>', 'data directory (default: $HKD_HOME or the desktop app folder)')
    .showHelpAfterError(false)
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();

  program
    .command('setup')
    .description('create the data directory and the demo dataset if missing')
    .option('--json', 'print one JSON document')
    .action((o: { json?: boolean }) => {
      const s = openStore();
      const { row, created } = ensureDemoDataset(s);
      emit(!!o.json, { home: s.home, demo: datasetView(row), created }, () =>
        [
          `data directory: ${s.home}`,
          `${created ? 'created' : 'found'} ${datasetSummary(row)}`,
        ].join('\n'),
      );
    });

  const dataset = program.command('dataset').description('import, generate and inspect datasets');
  dataset
    .command('import <file>')
    .description('import an interaction file (users.dat, CSV/TSV, MovieLens)')
    .requiredOption('--name <name>', 'dataset name')
    .addOption(new Option('--format <format>', 'file format').choices(FORMATS).default('auto'))
    .option('--min-user <n>', 'minimum interactions per user', intArg('--min-user', 3), 5)
    .option('--min-item <n>', 'minimum interactions per item', intArg('--min-item'), 0)
    .option('--json', 'print one JSON document')
    .action(
      async (
        file: string,
        o: { name: string; format: Format; minUser: number; minItem: number; json?: boolean },
      ) => {
        const row = await importDataset(openStore(), { file, ...o });
        emit(!!o.json, datasetView(row), () => datasetSummary(row));
      },
    );
  dataset
    .command('synth')
    .description('generate a seeded synthetic dataset (latent factors + popularity skew)')
    .requiredOption('--name <name>', 'dataset name')
    .option('--users <n>', 'number of users', intArg('--users', 1), 1000)
    .option('--items <n>', 'number of items', intArg('--items', 1), 1500)
    .option('--seed <n>', 'random seed', intArg('--seed'), 0)
    .option('--json', 'print one JSON document')
    .action((o: { name: string; users: number; items: number; seed: number; json?: boolean }) => {
      const row = synthDataset(openStore(), o);
      emit(!!o.json, datasetView(row), () => datasetSummary(row));
    });
  dataset
    .command('list')
    .description('list datasets')
    .option('--json', 'print one JSON document')
    .action((o: { json?: boolean }) => {
      const rows = listDatasets(openStore());
      emit(!!o.json, rows.map(datasetView), () =>
        rows.length === 0
          ? 'No datasets yet: try `hkd dataset synth --name demo`.'
          : table(
              ['name', 'users', 'items', 'interactions', 'density'],
              rows.map((d) => [
                d.name,
                d.stats.users,
                d.stats.items,
                d.stats.interactions,
                d.stats.density.toExponential(3),
              ]),
            ),
      );
    });
  dataset
    .command('show <name>')
    .description('show one dataset with its statistics')
    .option('--json', 'print one JSON document')
    .action((name: string, o: { json?: boolean }) => {
      const row = getDataset(openStore(), name);
      const v = datasetDetailView(row);
      emit(!!o.json, v, () =>
        [
          datasetSummary(row),
          `source: ${v.source} (${v.format}; min-user ${v.minUser}, min-item ${v.minItem})`,
          `user degree: min ${v.userDegree.min}, median ${v.userDegree.median}, mean ${fmt(v.userDegree.mean, 2)}, max ${v.userDegree.max}`,
          `item degree: min ${v.itemDegree.min}, median ${v.itemDegree.median}, mean ${fmt(v.itemDegree.mean, 2)}, max ${v.itemDegree.max}`,
        ].join('\n'),
      );
    });

  const trainingFlags = (c: Command) =>
    c
      .option('--lr <x>', 'Adam learning rate', numArg, 1e-3)
      .option('--reg <x>', 'coupled L2 weight decay', numArg, 1e-3)
      .option('--batch <n>', 'batch size', intArg('--batch', 1), 1024)
      .option('--neg <n>', 'negatives per positive', intArg('--neg', 1), 1)
      .option('--max-epochs <n>', 'maximum epochs', intArg('--max-epochs', 1), 1000)
      .option('--patience <n>', 'early-stopping patience (epochs)', intArg('--patience', 1), 20)
      .option('--candidates <n>', 'sampled candidates per user', intArg('--candidates', 1), 499)
      .addOption(
        new Option('--ties <policy>', 'how score ties rank')
          .choices(['against', 'list-order'])
          .default('against'),
      )
      .option('--label <text>', 'free-text label')
      .addOption(new Option('--backend <b>', 'compute backend').choices(BACKENDS).default('auto'))
      .option('--json', 'print one JSON document');

  const withProgress = async <T>(
    json: boolean | undefined,
    f: (l: import('../ops/execute').TrainListener) => Promise<T>,
  ) => {
    const progress = new ProgressLine(io, !json);
    let stopRequested = false;
    const unsubscribe = io.onInterrupt?.(() => {
      if (stopRequested) {
        io.err('\nstopped; the run is interrupted and resumes with `hkd runs resume <id>`');
        io.abort?.();
      }
      stopRequested = true;
      io.err(
        '\ncancelling at the next batch and keeping the best epoch so far (Ctrl-C again to stop at once)',
      );
    });
    const result = await f({
      shouldStop: () => stopRequested,
      onStart: (s) =>
        progress.start(
          s.runId,
          `${s.backend.name} · ${s.backend.device}${s.label ? ` · ${s.label}` : ''}`,
          s.maxEpochs,
        ),
      onEpoch: (e) => progress.epoch(e),
    });
    unsubscribe?.();
    progress.done();
    if (stopRequested) cancelled = true;
    return result;
  };

  trainingFlags(
    program
      .command('train')
      .description('train a base model (teacher or student) with early stopping')
      .requiredOption('--dataset <name>', 'dataset name')
      .addOption(
        new Option('--model <model>', 'base model').choices(MODEL_NAMES).makeOptionMandatory(),
      )
      .requiredOption('--dim <d>', 'embedding size', intArg('--dim', 1))
      .option('--seed <n>', 'split and training seed', intArg('--seed'), 0),
  ).action(async (o: Record<string, unknown> & { json?: boolean }) => {
    const { json, ...config } = o;
    const { run, backend } = await withProgress(json, (l) => runTraining(openStore(), config, l));
    emit(!!json, { ...runView(run), backend: backend.name }, () => runSummary(run));
  });

  trainingFlags(
    program
      .command('distill')
      .description('train a student from a teacher run with a distillation method')
      .requiredOption('--dataset <name>', 'dataset name')
      .requiredOption('--teacher <run>', 'teacher run id or label')
      .addOption(
        new Option('--method <m>', 'distillation method')
          .choices(DISTILL_METHODS)
          .makeOptionMandatory(),
      )
      .requiredOption('--student-dim <d>', 'student embedding size', intArg('--student-dim', 1))
      .option(
        '--num-tas <m>',
        'number of teacher assistants (Eq. 20 sizes)',
        intArg('--num-tas', 1),
        8,
      )
      .option('--ta-dims <list>', 'explicit TA sizes, e.g. 40,60,80', (v: string) =>
        v.split(',').map((x) => intArg('--ta-dims', 1)(x)),
      )
      .option('--lambda-t <x>', 'weight of the teacher KD term', numArg, 1e-2)
      .option('--lambda-ta <x>', 'weight of the TA term (HyperKDMA)', numArg, 1e-3)
      .option('--experts <n>', 'DE experts per module', intArg('--experts', 1), 30)
      .option('--item-weight <x>', 'weight of item sums in the KD losses', numArg, 0.5)
      .option('--no-gate', 'ablation w/o GNet: uniform TA weights')
      .addOption(
        new Option(
          '--no-hypernet <reading>',
          'ablation w/o HNet: shared static projections or pretrained TAs',
        ).choices(TA_SOURCES.slice(1)),
      )
      .addOption(
        new Option('--phr-enrich <mode>', 'PHR teacher input')
          .choices(PHR_ENRICHMENTS)
          .default('full'),
      )
      .option(
        '--dgkd-drop <rule>',
        'DGKD guide dropping: fixed:<count> or bernoulli:<p>',
        'fixed:1',
      ),
  ).action(async (o: Record<string, unknown> & { json?: boolean; hypernet: true | string }) => {
    const { json, hypernet, ...rest } = o;
    const config = { ...rest, taSource: hypernet === true ? 'hypernet' : hypernet };
    const r = await withProgress(json, (l) => runDistill(openStore(), config, l));
    emit(!!json, { ...distillView(r.run, r), backend: r.backend.name }, () =>
      [
        runSummary(r.run),
        `method ${r.method} from teacher run #${r.teacherRunId}; TA sizes ${r.taDims.join(', ') || '-'}`,
      ].join('\n'),
    );
  });

  program
    .command('gates <run>')
    .description('export the per-user and per-item TA weights of a HyperKDMA run')
    .addOption(new Option('--format <f>', 'output format').choices(['csv', 'json']).default('csv'))
    .addOption(new Option('--kind <k>', 'only users or only items').choices(['users', 'items']))
    .option('--out <file>', 'write to a file instead of standard output')
    .action(
      (run: string, o: { format: 'csv' | 'json'; kind?: 'users' | 'items'; out?: string }) => {
        const text = exportGates(openStore(), intArg('run id', 1)(run), o.format, o.kind);
        if (o.out) writeFileSync(o.out, text);
        else io.out(text.trimEnd());
      },
    );

  const runs = program.command('runs').description('inspect recorded runs');
  runs
    .command('list')
    .description('list runs')
    .option('--json', 'print one JSON document')
    .action((o: { json?: boolean }) => {
      const rows = listRuns(openStore());
      emit(!!o.json, rows.map(runView), () =>
        rows.length === 0
          ? 'No runs yet: try `hkd train --dataset demo --model BPR --dim 20`.'
          : table(
              [
                'id',
                'status',
                'model',
                'dim',
                'epochs',
                'best',
                'valid H@5',
                'test H@5',
                'test N@5',
                'label',
              ],
              rows.map((r) => [
                r.id,
                r.status,
                r.method ? `${r.model} ${r.method}` : r.model,
                runView(r).dim,
                r.epochsRun,
                r.bestEpoch ?? '-',
                fmt(r.summary?.valid.H5),
                fmt(r.summary?.test.H5),
                fmt(r.summary?.test.N5),
                r.label ?? '',
              ]),
            ),
      );
    });
  runs
    .command('resume <id>')
    .description('continue an interrupted or failed run from its last checkpoint')
    .addOption(new Option('--backend <b>', 'compute backend').choices(BACKENDS))
    .option('--json', 'print one JSON document')
    .action(async (id: string, o: { json?: boolean; backend?: BackendChoice }) => {
      const { run, backend } = await withProgress(o.json, (l) =>
        resumeRun(openStore(), intArg('run id', 1)(id), l, o.backend),
      );
      emit(!!o.json, { ...runView(run), backend: backend.name }, () => runSummary(run));
    });
  runs
    .command('show <id>')
    .description('show one run with its configuration and epochs')
    .option('--json', 'print one JSON document')
    .action((id: string, o: { json?: boolean }) => {
      const s = openStore();
      const run = getRun(s, intArg('run id', 1)(id));
      const epochs = getEpochs(s, run.id);
      emit(
        !!o.json,
        { ...runView(run), config: run.config, error: run.error, epochRecords: epochs },
        () =>
          [
            runSummary(run),
            `config: ${JSON.stringify(run.config)}`,
            ...(run.error ? [`error: ${run.error.split('\n')[0]}`] : []),
          ].join('\n'),
      );
    });

  let cancelled = false;
  const run = async (argv: string[]): Promise<number> => {
    try {
      await program.parseAsync(argv, { from: 'user' });
      return cancelled ? EXIT.cancelled : EXIT.ok;
    } catch (e) {
      return exitFor(e, io);
    } finally {
      store?.close();
      store = undefined;
    }
  };
  return { program, run };
}

function exitFor(e: unknown, io: Io): number {
  if (e instanceof CommanderError) {
    if (
      e.code === 'commander.helpDisplayed' ||
      e.code === 'commander.version' ||
      e.exitCode === 0
    ) {
      return EXIT.ok;
    }
    // Commander already printed its one-line message.
    return EXIT.usage;
  }
  if (isUserError(e)) {
    io.err(`error: ${e.message}`);
    return EXIT.usage;
  }
  io.err(`error: ${e instanceof Error ? e.message : String(e)}`);
  return EXIT.runFailed;
}

function datasetSummary(d: import('../store/datasets').DatasetRow): string {
  const s = d.stats;
  return `${d.name}: ${s.users} users, ${s.items} items, ${s.interactions} interactions (${s.trainInteractions} for training), density ${s.density.toExponential(3)}`;
}

function runSummary(r: import('../store/runs').RunRow): string {
  return [
    `run #${r.id} ${r.status}: ${r.model}${r.method ? ` ${r.method}` : ''} dim ${runView(r).dim} on ${r.backend ?? '?'} (${r.device ?? '?'})`,
    `epochs ${r.epochsRun}, best ${r.bestEpoch ?? '-'}; ${fmt(r.trainSecondsPerEpoch, 2)} s/epoch training, ${fmt(r.evalSecondsPerEpoch, 3)} s evaluation`,
    `valid ${metricsLine(r.summary?.valid ?? null)}`,
    `test  ${metricsLine(r.summary?.test ?? null)}`,
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  return buildProgram(io).run(argv);
}
