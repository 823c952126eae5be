import { Option, type Command } from 'commander';
import {
  BACKENDS,
  DGKD_DROP_RULE,
  DISTILL_DEFAULTS,
  DISTILL_METHODS,
  EARLY_STOP_RULES,
  KD_REPRESENTATIONS,
  kebab,
  MODEL_DEFAULTS,
  MODEL_NAMES,
  PHR_ENRICHMENTS,
  presetById,
  PRESETS,
  TA_MODE_HELP,
  TA_MODES,
  TA_SOURCES,
  TRAIN_DEFAULTS,
  type Request,
  type RunPreset,
} from '../contract';
import { runDistill } from '../ops/distill';
import { InputError } from '../errors';
import { runTraining } from '../ops/train';
import { intArg, numArg, type CliContext } from './context';
import { runSummary } from './views';

const { NeuMF: NEUMF, NGCF, SGL } = MODEL_DEFAULTS;
const D = TRAIN_DEFAULTS;
const K = DISTILL_DEFAULTS;

/** `--preset <id>`: one of the contract's named settings of this kind of run. */
const presetOption = (kind: RunPreset['kind']) =>
  new Option('--preset <id>', 'named settings; flags given beside it win').choices(
    PRESETS.filter((p) => p.kind === kind).map((p) => p.id),
  );

/** Flags whose option name differs from the configuration field they set. */
const FLAG_OF: Record<string, string> = { taSource: 'hypernet' };

/**
 * The command's configuration with its preset's fields wherever the flag was not given on the
 * command line; the fields a run cannot do without must then be there.
 */
function withPreset(
  o: Record<string, unknown>,
  cmd: Command,
  required: string[],
): Record<string, unknown> {
  const { preset, ...config } = o as { preset?: string };
  const out: Record<string, unknown> = config;
  for (const [k, v] of Object.entries(preset ? presetById(preset)!.config : {}))
    if (cmd.getOptionValueSource(FLAG_OF[k] ?? k) !== 'cli') out[k] = v;
  const flag = (k: string) => `--${kebab(k)}`;
  const missing = required.filter((k) => out[k] === undefined);
  if (missing.length > 0)
    throw new InputError(
      `${missing.map(flag).join(', ')} ${missing.length > 1 ? 'are' : 'is'} required (or a --preset that sets ${missing.length > 1 ? 'them' : 'it'})`,
    );
  return out;
}

/** The optimisation and protocol flags every training command takes. */
export const trainingFlags = (c: Command): Command =>
  c
    .option('--lr <x>', 'Adam learning rate', numArg, D.lr)
    .option('--reg <x>', 'coupled L2 weight decay', numArg, D.reg)
    .option('--batch <n>', 'batch size', intArg('--batch', 1), D.batch)
    .option('--neg <n>', 'negatives per positive', intArg('--neg', 1), D.neg)
    .option('--max-epochs <n>', 'maximum epochs', intArg('--max-epochs', 1), D.maxEpochs)
    .option(
      '--patience <n>',
      'early-stopping patience (epochs)',
      intArg('--patience', 1),
      D.patience,
    )
    .option(
      '--candidates <n>',
      'sampled candidates per user',
      intArg('--candidates', 1),
      D.candidates,
    )
    .addOption(
      new Option('--ties <policy>', 'how score ties rank')
        .choices(['against', 'list-order'])
        .default(D.ties),
    )
    .addOption(
      new Option(
        '--early-stop <rule>',
        "h5: the paper's (validation H@5); any: the authors' code (H@5, H@10 or H@20 resets patience; each K reported at its best epoch)",
      )
        .choices(EARLY_STOP_RULES)
        .default(D.earlyStop),
    )
    .addOption(new Option('--backend <b>', 'compute backend').choices(BACKENDS).default(D.backend))
    .option('--json', 'print one JSON document');

/** The flags of a distillation's method settings (TAs, loss weights, ablations). */
export const distillFlags = (c: Command): Command =>
  c
    .option(
      '--num-tas <m>',
      'number of teacher assistants (Eq. 20 sizes)',
      intArg('--num-tas', 1),
      K.numTas,
    )
    .option('--lambda-t <x>', 'weight of the teacher KD term', numArg, K.lambdaT)
    .option('--lambda-ta <x>', 'weight of the TA term (HyperKDMA)', numArg, K.lambdaTa)
    .option('--experts <n>', 'DE experts per module', intArg('--experts', 1), K.experts)
    .option('--item-weight <x>', 'weight of item sums in the KD losses', numArg, K.itemWeight)
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
        .default(K.phrEnrich),
    )
    .option('--dgkd-drop <rule>', `DGKD guide dropping: ${DGKD_DROP_RULE}`, K.dgkdDrop)
    .addOption(
      new Option(
        '--ta-mode <mode>',
        `HyperKDMA: how the TA term trains — ${TA_MODES.map((m) => `${m}: ${TA_MODE_HELP[m]}`).join('; ')}`,
      )
        .choices(TA_MODES)
        .default(K.taMode),
    )
    .option('--ta-anchor <x>', 'HyperKDMA --ta-mode anchored: weight of the reconstruction', numArg)
    .option(
      '--hyper-lr <x>',
      'HyperKDMA: learning rate of the hypernet and gate (default --lr)',
      numArg,
    )
    .option(
      '--hyper-decay <x>',
      'HyperKDMA: weight decay of the hypernet and gate (default --reg)',
      numArg,
    )
    .option(
      '--anneal-epochs <n>',
      "DE modules: epochs over which the Gumbel temperature anneals (DE-RRD's 1000; the authors' code: its epoch limit)",
      intArg('--anneal-epochs', 1),
      K.annealEpochs,
    );

/** `hkd train` and `hkd distill`: in this process, or queued. */
export function registerTrainCommands(program: Command, ctx: CliContext): void {
  const { openStore, emit, withProgress, call } = ctx;
  trainingFlags(
    program
      .command('train')
      .description('train a base model (teacher or student) with early stopping')
      .option('--dataset <name>', 'dataset name (required)')
      .addOption(new Option('--model <model>', 'base model (required)').choices(MODEL_NAMES))
      .option('--dim <d>', 'embedding size (required)', intArg('--dim', 1))
      .option('--label <text>', 'free-text label')
      .addOption(presetOption('train'))
      .option('--seed <n>', 'split and training seed', intArg('--seed'), D.seed)
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
    .action(async (o: Record<string, unknown> & { json?: boolean; queue?: boolean }, cmd) => {
      const { json, queue, ...rest } = o;
      const config = withPreset(rest, cmd, ['dataset', 'model', 'dim']);
      if (queue) {
        const { queued } = await call('runs.train', config as Request<'runs.train'>);
        emit(!!json, { queued }, () => `queued run #${queued[0]}`);
        return;
      }
      const { run } = await withProgress(json, (l) => runTraining(openStore(), config, l));
      emit(!!json, run, () => runSummary(run));
    });

  trainingFlags(
    distillFlags(
      program
        .command('distill')
        .description('train a student from a teacher run with a distillation method')
        .option('--dataset <name>', 'dataset name (required)')
        .option('--teacher <run>', 'teacher run id, label or uid (required)')
        .addOption(
          new Option('--method <m>', 'distillation method (required)').choices(DISTILL_METHODS),
        )
        .option(
          '--student-dim <d>',
          'student embedding size (required)',
          intArg('--student-dim', 1),
        )
        .option('--label <text>', 'free-text label')
        .option('--ta-dims <list>', 'explicit TA sizes, e.g. 40,60,80', (v: string) =>
          v.split(',').map((x) => intArg('--ta-dims', 1)(x)),
        )
        .addOption(presetOption('distill')),
    ),
  )
    .option('--queue', 'queue the run (and any TA run it needs) instead of training now')
    .action(
      async (
        o: Record<string, unknown> & { json?: boolean; queue?: boolean; hypernet: true | string },
        cmd: Command,
      ) => {
        const { json, queue, hypernet, ...rest } = o;
        const config = withPreset(
          { ...rest, taSource: hypernet === true ? 'hypernet' : hypernet },
          cmd,
          ['dataset', 'teacher', 'method', 'studentDim'],
        );
        if (queue) {
          const { queued } = await call('runs.distill', config as Request<'runs.distill'>);
          emit(!!json, { queued }, () => `queued ${queued.map((i) => `#${i}`).join(', ')}`);
          return;
        }
        const r = await withProgress(json, (l) => runDistill(openStore(), config, l));
        emit(!!json, r.run, () =>
          [
            runSummary(r.run),
            `method ${r.method} from teacher run #${r.teacherRunId}; TA sizes ${r.taDims.join(', ') || '-'}`,
          ].join('\n'),
        );
      },
    );
}
