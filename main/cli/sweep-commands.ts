import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  MODEL_NAMES,
  PLAN_FORMATS,
  parseSeeds,
  SWEEP_METHODS,
  SWEEP_PARAMS,
  sweepFlag,
  SweepSettingsSchema,
  type MeanSd,
  type PlanFormat,
  type SweepAxis,
  type SweepMethod,
  type SweepParam,
  type SweepSpecInput,
  type SweepView,
} from '../contract';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportBundle } from '../ops/bundle-export';
import { getSweep } from '../store/sweeps';
import { SWEEP_METRICS, sweepCsv, sweepSvg, type SweepMetric } from '../shared/sweep-figure';
import { intArg, type CliContext } from './context';
import { distillFlags, trainingFlags } from './train-commands';
import { fmt, table } from './views';

const PARAM_OF_FLAG = new Map(SWEEP_PARAMS.map((p) => [sweepFlag(p), p]));

/** `--vary num-tas=1,2,4`: one axis. */
function axisArg(v: string, previous: SweepAxis[] = []): SweepAxis[] {
  const m = /^([a-z-]+)=(.+)$/.exec(v.trim());
  const param = m && PARAM_OF_FLAG.get(m[1]);
  if (!m || !param)
    throw new InvalidArgumentError(
      `expected <param>=<v1>,<v2>,… with param one of ${[...PARAM_OF_FLAG.keys()].join(', ')}`,
    );
  const values = m[2].split(',').map((x) => Number(x.trim()));
  if (values.some((x) => !Number.isFinite(x)))
    throw new InvalidArgumentError(`'${m[2]}' is not a list of numbers`);
  return [...previous, { param, values }];
}

function listArg<T extends string>(allowed: readonly T[], what: string) {
  return (v: string): T[] => {
    const items = v.split(',').map((x) => x.trim());
    const bad = items.find((x) => !allowed.includes(x as T));
    if (bad) throw new InvalidArgumentError(`'${bad}' is not ${what} (${allowed.join(', ')})`);
    return items as T[];
  };
}

function seedsArg(v: string): number[] {
  const s = parseSeeds(v);
  if (typeof s === 'string') throw new InvalidArgumentError(s);
  return s;
}

/** The command line's flags as a sweep definition. */
function specFrom(o: Record<string, unknown>): SweepSpecInput {
  const settings: Record<string, unknown> = Object.fromEntries(
    Object.keys(SweepSettingsSchema.shape).flatMap((k) => (o[k] === undefined ? [] : [[k, o[k]]])),
  );
  if (o.hypernet !== true) settings.taSource = o.hypernet;
  const dims = o.teacherDims as number[] | undefined;
  const axes = (o.vary as SweepAxis[] | undefined) ?? [];
  const methods = o.methods as SweepMethod[];
  return {
    name:
      (o.name as string | undefined) ??
      (axes.map((a) => sweepFlag(a.param)).join(' × ') || 'sweep'),
    dataset: o.dataset as string,
    teacher: o.teacher as string | undefined,
    model: o.model as SweepSpecInput['model'],
    ...(dims && dims.length === 1 ? { teacherDim: dims[0] } : {}),
    studentDim: o.studentDim as number,
    methods,
    axes: dims && dims.length > 1 ? [{ param: 'teacherDim', values: dims }, ...axes] : axes,
    seeds: o.seeds as number[] | undefined,
    settings,
  };
}

const pm = (s: MeanSd) =>
  s.mean === null ? '-' : `${fmt(s.mean)}${s.sd === null ? '' : ` ± ${fmt(s.sd)}`}`;

const paramText = (params: Partial<Record<SweepParam, number>>) =>
  Object.entries(params)
    .map(([p, v]) => `${sweepFlag(p as SweepParam)}=${v}`)
    .join(' ');

function sweepTable(v: SweepView): string {
  const head = `sweep #${v.id} '${v.name}' on ${v.dataset ?? '(deleted dataset)'}: ${v.completed}/${v.total} runs completed`;
  const rows = v.cells.map((c) => [
    paramText(c.params) || '-',
    c.method,
    c.runs.map((r) => `#${r.id}${r.status === 'completed' ? '' : ` ${r.status}`}`).join(' ') || '-',
    c.missingSeeds.length ? c.missingSeeds.join(',') : '',
    pm(c.H5),
    pm(c.N5),
  ]);
  return `${head}\n${table(['params', 'method', 'runs', 'missing seeds', 'test H@5', 'test N@5'], rows)}`;
}

/** `hkd sweep …`: the paper's sweeps as one definition each. */
export function registerSweepCommands(program: Command, ctx: CliContext): void {
  const { call, emit } = ctx;
  const sweep = program
    .command('sweep')
    .description(
      "grids of runs over one or two parameters × methods × seeds (the paper's figures)",
    );

  trainingFlags(
    distillFlags(
      sweep
        .command('create')
        .description(
          'define a sweep; its runs are found among those already here, --queue queues the rest',
        )
        .requiredOption('--dataset <name>', 'dataset name')
        .option('--name <text>', 'what the sweep is called')
        .option('--teacher <run>', 'a trained teacher (run id or label)')
        .option(
          '--teacher-dims <list>',
          'train a teacher of each size (one size, or a list that becomes an axis)',
          (v: string) => v.split(',').map((x) => intArg('--teacher-dims', 2)(x)),
        )
        .addOption(
          new Option('--model <m>', 'the model of the teachers it trains')
            .choices(MODEL_NAMES)
            .default('BPR'),
        )
        .requiredOption('--student-dim <d>', 'student size', intArg('--student-dim', 1))
        .requiredOption(
          '--methods <list>',
          `comma-separated: ${SWEEP_METHODS.join(', ')}`,
          listArg(SWEEP_METHODS, 'a method'),
        )
        .option(
          '--vary <param=values>',
          `an axis, e.g. num-tas=1,2,4 (repeat for a second); params: ${SWEEP_PARAMS.map(sweepFlag).join(', ')}`,
          axisArg,
        )
        .option('--seeds <list>', 'seeds, e.g. 0-4', seedsArg)
        .option('--queue', 'queue every run of the grid not here yet'),
    ),
  ).action(async (o: Record<string, unknown>) => {
    const r = await call('sweeps.create', { spec: specFrom(o), queue: !!o.queue });
    emit(!!o.json, r, () =>
      [
        `sweep #${r.sweepId}: ${r.runs.length} runs in its grid so far${r.queued.length ? ` (${r.queued.length} runs queued now)` : ''}`,
        r.queued.length ? 'train them with `hkd queue` or the workbench' : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  });

  sweep
    .command('list')
    .description('list sweeps')
    .option('--json', 'print one JSON document')
    .action(async (o: { json?: boolean }) => {
      const list = await call('sweeps.list', {});
      emit(!!o.json, list, () =>
        list.length === 0
          ? 'No sweeps yet: try `hkd sweep create --help`.'
          : table(
              ['id', 'name', 'dataset', 'axes', 'methods', 'seeds', 'completed', 'created'],
              list.map((s) => [
                s.id,
                s.name,
                s.dataset ?? '(deleted)',
                s.spec.axes.map((a) => `${sweepFlag(a.param)}=${a.values.join(',')}`).join(' × ') ||
                  '-',
                s.spec.methods.join(','),
                s.spec.seeds.join(','),
                `${s.completed}/${s.total}`,
                s.createdAt.slice(0, 16).replace('T', ' '),
              ]),
            ),
      );
    });

  sweep
    .command('show <id>')
    .description("a sweep's grid: each cell's runs and test metrics (mean ± sd over seeds)")
    .option('--svg <file>', 'also write its figure (lines with ± sd bands, or a heat-map)')
    .addOption(
      new Option('--metric <m>', "the figure's metric").choices(SWEEP_METRICS).default('H5'),
    )
    .option('--method <m>', "a two-parameter figure's method (default: the first distilled)")
    .option('--csv <file>', 'also write the grid as CSV')
    .option('--json', 'print one JSON document')
    .action(
      async (
        id: string,
        o: { json?: boolean; svg?: string; csv?: string; metric: SweepMetric; method?: string },
      ) => {
        const v = await call('sweeps.get', { id: intArg('sweep id', 1)(id) });
        if (o.svg) writeFileSync(o.svg, sweepSvg(v, o.metric, o.method));
        if (o.csv) writeFileSync(o.csv, sweepCsv(v));
        emit(!!o.json, v, () => sweepTable(v));
      },
    );

  sweep
    .command('queue <id>')
    .description('queue the runs of a sweep that are missing')
    .option('--json', 'print one JSON document')
    .action(async (id: string, o: { json?: boolean }) => {
      const r = await call('sweeps.queue', { id: intArg('sweep id', 1)(id) });
      emit(!!o.json, r, () =>
        r.queued.length ? `queued ${r.queued.map((i) => `#${i}`).join(', ')}` : 'nothing missing',
      );
    });

  sweep
    .command('plan <id>')
    .description(
      "its unfinished runs as `hkd` commands for another machine: a shell script, or a Slurm array job (one task per teacher's group)",
    )
    .addOption(new Option('--format <f>', 'script kind').choices(PLAN_FORMATS).default('shell'))
    .option(
      '--out <dir>',
      'write the script and base.hkdb (the dataset and the finished runs it builds on) into this folder',
    )
    .action(async (id: string, o: { format: PlanFormat; out?: string }) => {
      const plan = await call('sweeps.plan', { id: intArg('sweep id', 1)(id), format: o.format });
      if (!o.out) {
        ctx.io.out(plan.text.trimEnd());
        if (plan.runs > 0)
          ctx.io.err(
            `the script needs base.hkdb beside it: \`hkd sweep plan ${id} --out <dir>\` writes both`,
          );
        return;
      }
      mkdirSync(o.out, { recursive: true });
      const script = join(o.out, `sweep-${id}.${o.format === 'slurm' ? 'sbatch' : 'sh'}`);
      writeFileSync(script, plan.text, { mode: 0o755 });
      const store = ctx.openStore();
      exportBundle(store, plan.baseRuns, join(o.out, 'base.hkdb'), {
        dataset: getSweep(store, Number(id)).dataset ?? undefined,
      });
      ctx.io.err(
        `wrote ${script} (${plan.runs} run(s) in ${plan.groups} group(s)) and ${join(o.out, 'base.hkdb')} (the dataset${plan.baseRuns.length ? ` and run(s) ${plan.baseRuns.map((r) => `#${r}`).join(', ')}` : ''})`,
      );
    });

  sweep
    .command('delete <id>')
    .description('forget a sweep (its runs stay)')
    .action(async (id: string) => {
      const r = await call('sweeps.delete', { id: intArg('sweep id', 1)(id) });
      ctx.io.err(`deleted sweep #${r.deleted}; its runs stay`);
    });
}
