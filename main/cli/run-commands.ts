import { InvalidArgumentError, Option, type Command } from 'commander';
import { bestSoFar } from '../analysis/best-so-far';
import { hitRateTrends } from '../analysis/trend';
import { writeFileSync } from 'node:fs';
import { BACKENDS, type BackendChoice } from '../engine/backend';
import { PHR_ENRICHMENTS } from '../engine/kd/enrichment';
import { isUnfinished, KD_REPRESENTATIONS, MODEL_DEFAULTS, parseSeeds } from '../contract';
import { MODEL_NAMES } from '../engine/models/registry';
import { queueDistill, runDistill } from '../ops/distill';
import { DISTILL_METHODS, TA_SOURCES } from '../ops/distill-config';
import { InputError } from '../errors';
import { exportGates } from '../ops/gates';
import { repeatRun } from '../ops/repeat';
import type { TrainListener, TrainOutcome } from '../ops/execute';
import {
  cancelRunningRun,
  discardAllTrainingStates,
  discardTrainingState,
  extendRun,
  resumeRun,
  type ExtensionLimits,
} from '../ops/resume';
import { queueTraining, runTraining } from '../ops/train';
import { deleteRun } from '../store/queue';
import { getEpochs, getRun, listRuns } from '../store/runs';
import { intArg, numArg, type CliContext } from './context';
import {
  distillView,
  epochTable,
  fmt,
  ordinal,
  runSummary,
  runView,
  table,
  trendTable,
} from './views';

const { NeuMF: NEUMF, NGCF, SGL } = MODEL_DEFAULTS;

/** `hkd train`, `hkd distill`, `hkd gates` and `hkd runs …`. */
export function registerRunCommands(program: Command, ctx: CliContext): void {
  const { io, openStore, emit, withProgress } = ctx;
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

  trainingFlags(
    program
      .command('train')
      .description('train a base model (teacher or student) with early stopping')
      .requiredOption('--dataset <name>', 'dataset name')
      .addOption(
        new Option('--model <model>', 'base model').choices(MODEL_NAMES).makeOptionMandatory(),
      )
      .requiredOption('--dim <d>', 'embedding size', intArg('--dim', 1))
      .option('--seed <n>', 'split and training seed', intArg('--seed'), 0)
      .option(
        '--mlp-layers <n>',
        `NeuMF: MLP layers, each halving the width (${NEUMF.mlpLayers})`,
        intArg('--mlp-layers', 1),
      )
      .addOption(
        new Option(
          '--kd-rep <rows>',
          `what KD distils: NeuMF ${KD_REPRESENTATIONS.NeuMF.join(' | ')} (${NEUMF.kdRep}), NGCF ${KD_REPRESENTATIONS.NGCF.join(' | ')} (${NGCF.kdRep})`,
        ).choices(Object.values(KD_REPRESENTATIONS).flat()),
      )
      .option(
        '--layers <n>',
        `graph models: propagation layers (LightGCN ${MODEL_DEFAULTS.LightGCN.layers}, NGCF ${NGCF.layers}, SGL ${SGL.layers})`,
        intArg('--layers', 1),
      )
      .option(
        '--emb-reg <x>',
        `LightGCN, SGL: L2 on the batch's layer-0 rows (${MODEL_DEFAULTS.LightGCN.embReg})`,
        numArg,
      )
      .option(
        '--node-dropout <p>',
        `NGCF: dropped share of propagation entries (${NGCF.nodeDropout})`,
        numArg,
      )
      .option(
        '--message-dropout <p>',
        `NGCF: dropout on layer outputs (${NGCF.messageDropout})`,
        numArg,
      )
      .addOption(
        new Option(
          '--adjacency <norm>',
          `NGCF: row D̃⁻¹(A + I) as the reference code, or the paper's symmetric L + I (${NGCF.adjacency})`,
        ).choices(['row', 'symmetric']),
      )
      .option(
        '--edge-dropout <p>',
        `SGL: dropped share of edges per view, ρ (${SGL.edgeDropout})`,
        numArg,
      )
      .option('--temperature <t>', `SGL: InfoNCE temperature τ (${SGL.temperature})`, numArg)
      .option('--ssl <x>', `SGL: weight of the contrastive term λ_ssl (${SGL.ssl})`, numArg),
  )
    .option('--queue', 'queue the run for `hkd queue` or the workbench instead of training now')
    .action(async (o: Record<string, unknown> & { json?: boolean; queue?: boolean }) => {
      const { json, queue, ...config } = o;
      if (queue) {
        const run = queueTraining(openStore(), config);
        emit(!!json, { queued: [run.id] }, () => `queued run #${run.id}`);
        return;
      }
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
  )
    .option('--queue', 'queue the run (and any TA run it needs) instead of training now')
    .action(
      async (
        o: Record<string, unknown> & { json?: boolean; queue?: boolean; hypernet: true | string },
      ) => {
        const { json, queue, hypernet, ...rest } = o;
        const config = { ...rest, taSource: hypernet === true ? 'hypernet' : hypernet };
        if (queue) {
          const q = await queueDistill(openStore(), config);
          const ids = [...q.prerequisites, q.run].map((r) => r.id);
          emit(!!json, { queued: ids }, () => `queued ${ids.map((i) => `#${i}`).join(', ')}`);
          return;
        }
        const r = await withProgress(json, (l) => runDistill(openStore(), config, l));
        emit(!!json, { ...distillView(r.run, r), backend: r.backend.name }, () =>
          [
            runSummary(r.run),
            `method ${r.method} from teacher run #${r.teacherRunId}; TA sizes ${r.taDims.join(', ') || '-'}`,
          ].join('\n'),
        );
      },
    );

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

  const runs = program
    .command('runs')
    .description('inspect, cancel, resume, extend and delete runs');
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
                ordinal(r.bestEpoch),
                fmt(r.summary?.valid.H5),
                fmt(r.summary?.test.H5),
                fmt(r.summary?.test.N5),
                r.label ?? '',
              ]),
            ),
      );
    });
  runs
    .command('cancel <id>')
    .description('cancel a running run at its next batch (it keeps its best epoch so far)')
    .action((id: string) => {
      cancelRunningRun(openStore(), intArg('run id', 1)(id));
      io.err(`asked run #${id} to stop at its next batch`);
    });
  type ContinueFlags = { json?: boolean; backend?: BackendChoice } & ExtensionLimits;
  /** A command that trains a stored run further in this process and prints it when it ends. */
  const continuing = (
    spec: string,
    description: string,
    go: (id: number, o: ContinueFlags, l: TrainListener) => Promise<TrainOutcome>,
  ) =>
    runs
      .command(spec)
      .description(description)
      .addOption(new Option('--backend <b>', 'compute backend').choices(BACKENDS))
      .option('--json', 'print one JSON document')
      .action(async (id: string, o: ContinueFlags) => {
        const { run, backend } = await withProgress(o.json, (l) =>
          go(intArg('run id', 1)(id), o, l),
        );
        emit(!!o.json, { ...runView(run), backend: backend.name }, () => runSummary(run));
      });
  continuing(
    'resume <id>',
    'continue an interrupted or failed run from its last checkpoint',
    (id, o, l) => resumeRun(openStore(), id, l, o.backend),
  );
  continuing(
    'extend <id>',
    'train a completed or cancelled run further from its last epoch, with a larger patience or ' +
      'epoch limit (its epochs then equal those of a run started with them)',
    (id, o, l) =>
      extendRun(openStore(), id, { patience: o.patience, maxEpochs: o.maxEpochs }, l, o.backend),
  )
    .option('--patience <n>', 'new early-stopping patience (epochs)', intArg('--patience', 1))
    .option('--max-epochs <n>', 'new maximum epochs', intArg('--max-epochs', 1));
  runs
    .command('discard-state [id]')
    .description('delete the checkpoint a finished run keeps to be extended (~4× its parameters)')
    .option('--all', 'of every completed and cancelled run')
    .action((id: string | undefined, o: { all?: boolean }) => {
      if (!id === !o.all) throw new InputError('give a run id or --all');
      if (o.all) {
        const { runs: gone, bytes } = discardAllTrainingStates(openStore());
        io.err(`freed ${(bytes / 1e6).toFixed(1)} MB from ${gone.length} run(s)`);
        return;
      }
      const freed = discardTrainingState(openStore(), intArg('run id', 1)(id!));
      io.err(`freed ${(freed / 1e6).toFixed(1)} MB; run #${id} can no longer be extended`);
    });
  runs
    .command('repeat <id>')
    .description(
      "queue the run's experiment with other seeds (a distillation with its teacher's twin of " +
        'each seed); runs that exist for a seed are reused',
    )
    .requiredOption('--seeds <list>', 'seeds, e.g. 1-4 or 1,3,5', (text: string) => {
      const seeds = parseSeeds(text);
      if (typeof seeds === 'string') throw new InvalidArgumentError(seeds);
      return seeds;
    })
    .option('--json', 'print one JSON document')
    .action(async (id: string, o: { seeds: number[]; json?: boolean }) => {
      const rep = await repeatRun(openStore(), intArg('run id', 1)(id), o.seeds);
      emit(!!o.json, rep, () =>
        [
          table(
            ['seed', 'run', ''],
            rep.runs.map((r) => [r.seed, r.id, r.queued ? 'queued' : 'exists']),
          ),
          rep.queued.length
            ? `queued ${rep.queued.length} run(s); train them with \`hkd queue\` or in the workbench`
            : 'every seed has its run already',
        ].join('\n'),
      );
    });
  runs
    .command('delete <id>')
    .description('delete a run that is not running, with its epochs and files')
    .action((id: string) => {
      const run = intArg('run id', 1)(id);
      deleteRun(openStore(), run);
      io.err(`deleted run #${run}`);
    });
  runs
    .command('show <id>')
    .description('show one run with its configuration and epochs')
    .option('--epochs', 'add a table of its epochs (losses, metrics, KD diagnostics)')
    .option(
      '--trend [from]',
      'fit a power law and an exponential to validation and test H@5 from epoch `from` (default: ' +
        'after the steepest rise of validation H@5, and not in the first fifth) and extrapolate them',
    )
    .option('--json', 'print one JSON document')
    .action((id: string, o: { json?: boolean; epochs?: boolean; trend?: true | string }) => {
      const s = openStore();
      const run = getRun(s, intArg('run id', 1)(id));
      const epochs = getEpochs(s, run.id);
      const from = typeof o.trend === 'string' ? intArg('--trend', 1)(o.trend) : undefined;
      const trends = o.trend ? hitRateTrends(epochs, from) : undefined;
      emit(
        !!o.json,
        {
          ...runView(run),
          config: run.config,
          error: run.error,
          ...(isUnfinished(run.status) ? { bestSoFar: bestSoFar(epochs) ?? null } : {}),
          epochRecords: epochs,
          trends,
        },
        () =>
          [
            runSummary(run, epochs),
            `config: ${JSON.stringify(run.config)}`,
            ...(run.error ? [`error: ${run.error.split('\n')[0]}`] : []),
            ...(o.epochs ? ['', epochTable(epochs)] : []),
            ...(trends ? ['', trendTable(trends, epochs.length)] : []),
          ].join('\n'),
      );
    });
}
