import { InvalidArgumentError, Option, type Command } from 'commander';
import { hitRateTrends } from '../shared/trend';
import { writeFileSync } from 'node:fs';
import {
  BACKENDS,
  EARLY_STOP_RULES,
  parseSeeds,
  RUN_STATUSES,
  type BackendChoice,
  type RunInfo,
  type RunStatus,
} from '../contract';
import { earliestStop } from '../shared/best-so-far';
import { duration, isResultsOnly, sizes } from '../shared/run-outcome';
import { InputError } from '../errors';
import type { TrainListener, TrainOutcome } from '../ops/execute';
import { branchAndTrain, type BranchChange } from '../ops/branch';
import { replayAndTrain } from '../ops/replay';
import { extendRun, resumeRun } from '../ops/resume';
import { intArg, type CliContext } from './context';
import { registerLeadCommand, registerPlotCommand } from './plot-command';
import { registerBundleCommands } from './bundle-commands';
import { collapseAlarm, collapseText, taModeOf } from '../shared/collapse';
import { variantOf } from '../shared/run-variant';
import {
  epochTable,
  fmt,
  ordinal,
  queueText,
  runDuration,
  runSummary,
  sizeText,
  table,
  trendTable,
} from './views';

/** A running run's earliest stop: "by epoch 37, ≈ 4 min unless it improves". */
function stopsIn(r: RunInfo): string {
  if (r.status !== 'running') return '';
  const { epoch, seconds } = earliestStop(r);
  return `by epoch ${epoch}${seconds === null ? '' : `, ≈ ${duration(seconds)}`} unless it improves`;
}

/** `hkd gates` and `hkd runs …`. */
export function registerRunCommands(program: Command, ctx: CliContext): void {
  const { io, openStore, emit, withProgress, call } = ctx;
  program
    .command('gates <run>')
    .description('export the per-user and per-item TA weights of a HyperKDMA run')
    .addOption(new Option('--format <f>', 'output format').choices(['csv', 'json']).default('csv'))
    .addOption(new Option('--kind <k>', 'only users or only items').choices(['users', 'items']))
    .option('--out <file>', 'write to a file instead of standard output')
    .action(
      async (
        run: string,
        o: { format: 'csv' | 'json'; kind?: 'users' | 'items'; out?: string },
      ) => {
        const { text } = await call('gates.export', {
          run: ctx.runId(run),
          format: o.format,
          only: o.kind,
        });
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
    .addOption(
      new Option('--status <list>', 'only runs of these statuses, e.g. queued,running').argParser(
        (v) =>
          v.split(',').map((s) => {
            if (!(RUN_STATUSES as readonly string[]).includes(s.trim()))
              throw new InvalidArgumentError(
                `unknown status '${s.trim()}'; use ${RUN_STATUSES.join(', ')}`,
              );
            return s.trim() as RunStatus;
          }),
      ),
    )
    .option('--json', 'print one JSON document')
    .action(async (o: { json?: boolean; status?: RunStatus[] }) => {
      const list = await call('runs.list', {});
      const rows = o.status ? list.runs.filter((r) => o.status!.includes(r.status)) : list.runs;
      const place = new Map(list.queue.map((id, i) => [id, i + 1]));
      emit(!!o.json, { ...list, runs: rows }, () =>
        rows.length === 0
          ? 'No runs yet: try `hkd train --dataset demo --model BPR --dim 20`.'
          : table(
              [
                'id',
                'status',
                'dataset',
                'model',
                'sizes',
                'teacher',
                'epochs',
                'best',
                'valid H@5',
                'test H@5',
                'test N@5',
                'created',
                'duration',
                'label',
                'stop',
              ],
              rows.map((r) => [
                r.id,
                // A queued run's place: the order runs start in (each also waits for its sources).
                place.has(r.id) ? `queued (${place.get(r.id)})` : r.status,
                r.dataset ?? '(deleted)',
                r.method ? `${r.model} ${r.method}${variantOf(r)}` : r.model,
                // The teacher is looked up among all runs: `--status` may have filtered it out.
                sizes(
                  r,
                  list.runs.find((t) => t.id === r.teacherRunId),
                ),
                r.teacherRunId === null ? '-' : `#${r.teacherRunId}`,
                r.epochsRun,
                // While a run trains: its best so far, marked with *.
                r.summary ? ordinal(r.bestEpoch) : r.live ? `${r.live.bestEpoch + 1}*` : '-',
                r.summary ? fmt(r.summary.valid.H5) : r.live ? `${fmt(r.live.bestValidH5)}*` : '-',
                fmt(r.summary?.test.H5),
                fmt(r.summary?.test.N5),
                r.createdAt.slice(0, 16).replace('T', ' '),
                runDuration(r),
                r.label ?? '',
                r.stopReason ?? stopsIn(r),
              ]),
            ) + (rows.some((r) => !r.summary && r.live) ? '\n* best so far (still training)' : ''),
      );
    });
  runs
    .command('cancel <ids...>')
    .description(
      'cancel queued runs at once, running ones at their next batch (each keeps its best epoch)',
    )
    .action(async (ids: string[]) => {
      for (const id of ids.map(ctx.runId)) {
        const run = await call('runs.cancel', { id });
        io.err(
          run.status === 'cancelled'
            ? `cancelled queued run #${id}`
            : `asked run #${id} to stop at its next batch`,
        );
      }
    });
  runs
    .command('next <ids...>')
    .description(
      'start these queued runs before the others, in this order (each after the queued runs it is built from)',
    )
    .action(async (ids: string[]) => {
      const { queue } = await call('runs.runNext', { ids: ids.map(ctx.runId) });
      io.err(queueText(queue));
    });
  type ContinueFlags = {
    json?: boolean;
    backend?: BackendChoice;
    queue?: boolean;
  } & BranchChange;
  /**
   * A command that trains a stored run further in this process and prints it when it ends, or
   * with `--queue` puts it back in the queue (at the front: work begun goes on first).
   */
  const continuing = (
    spec: string,
    description: string,
    go: (id: number, o: ContinueFlags, l: TrainListener) => Promise<TrainOutcome>,
    queue: (id: number, o: ContinueFlags) => Promise<RunInfo>,
  ) =>
    runs
      .command(spec)
      .description(description)
      .addOption(new Option('--backend <b>', 'compute backend').choices(BACKENDS))
      .option('--queue', 'queue it for `hkd queue` or the workbench instead of training now')
      .option('--json', 'print one JSON document')
      .action(async (text: string, o: ContinueFlags) => {
        const id = ctx.runId(text);
        if (o.queue) {
          if (o.backend) throw new InputError('--backend applies to training now, not --queue');
          const run = await queue(id, o);
          const order = (await call('runs.queue', {})).queue;
          const what = run.id === id ? `run #${id} again` : `run #${run.id}, from #${id}`;
          emit(!!o.json, run, () => `queued ${what}\n${queueText(order)}`);
          return;
        }
        const { run } = await withProgress(o.json, (l) => go(id, o, l));
        emit(!!o.json, run, () => runSummary(run));
      });
  continuing(
    'resume <id>',
    'continue an interrupted or failed run from its last checkpoint',
    (id, o, l) => resumeRun(openStore(), id, l, o.backend),
    (id) => call('runs.resume', { id }),
  );
  const limitsOf = (o: ContinueFlags) => ({ patience: o.patience, maxEpochs: o.maxEpochs });
  const withLimits = (c: Command) =>
    c
      .option('--patience <n>', 'new early-stopping patience (epochs)', intArg('--patience', 1))
      .option('--max-epochs <n>', 'new maximum epochs', intArg('--max-epochs', 1));
  withLimits(
    continuing(
      'extend <id>',
      'train a completed or cancelled run further from its last epoch, with a larger patience or ' +
        'epoch limit (its epochs then equal those of a run started with them)',
      (id, o, l) => extendRun(openStore(), id, limitsOf(o), l, o.backend),
      (id, o) => call('runs.extend', { id, ...limitsOf(o) }),
    ),
  );
  const changeOf = (o: ContinueFlags) => ({
    ...limitsOf(o),
    earlyStop: o.earlyStop,
    label: o.label,
  });
  withLimits(
    continuing(
      'branch <id>',
      'train a completed or cancelled run further as a new run, which keeps its epochs so far and ' +
        "leaves it as it is: larger limits or the authors' early stopping (its epochs then equal " +
        'those of a run started with them)',
      (id, o, l) => branchAndTrain(openStore(), id, changeOf(o), l, o.backend),
      (id, o) => call('runs.branch', { id, ...changeOf(o) }),
    ),
  )
    .addOption(
      new Option('--early-stop <rule>', "any: the authors' rule (from h5 only)").choices(
        EARLY_STOP_RULES,
      ),
    )
    .option('--label <text>', "the new run's label (default: the source's and what changed)");
  continuing(
    'replay <id>',
    'train a completed run again, checking every epoch equals the recorded one, to restore the files a results-only bundle leaves out (representations, parameters, checkpoint)',
    (id, o, l) => replayAndTrain(openStore(), id, l, o.backend),
    (id) => call('runs.replay', { id }),
  );
  runs
    .command('discard-state [id]')
    .description('delete the checkpoint a finished run keeps to be extended (~4× its parameters)')
    .option('--all', 'of every completed and cancelled run')
    .action(async (id: string | undefined, o: { all?: boolean }) => {
      if (!id === !o.all) throw new InputError('give a run id or --all');
      if (o.all) {
        const { runs: gone, freedBytes } = await call('runs.discardAllStates', {});
        io.err(`freed ${sizeText(freedBytes)} from ${gone.length} run(s)`);
        return;
      }
      const run = ctx.runId(id!);
      const { freedBytes } = await call('runs.discardState', { id: run });
      io.err(`freed ${sizeText(freedBytes)}; run #${run} can no longer be extended`);
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
      const rep = await call('runs.repeat', { id: ctx.runId(id), seeds: o.seeds });
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
    .command('delete <ids...>')
    .description('delete runs that are not running, with their epochs and files')
    .action(async (ids: string[]) => {
      for (const id of ids.map(ctx.runId)) {
        await call('runs.delete', { id });
        io.err(`deleted run #${id}`);
      }
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
    .action(async (id: string, o: { json?: boolean; epochs?: boolean; trend?: true | string }) => {
      const from = typeof o.trend === 'string' ? intArg('--trend', 1)(o.trend) : undefined;
      const detail = await call('runs.get', { id: ctx.runId(id) });
      const { run, epochs } = detail;
      const trends = o.trend ? hitRateTrends(epochs, from) : undefined;
      const collapse = collapseAlarm(epochs, taModeOf(run));
      const extra = { ...(trends ? { trends } : {}), ...(collapse ? { collapse } : {}) };
      emit(!!o.json, { ...detail, ...extra }, () =>
        [
          runSummary(run, epochs),
          ...(collapse ? [`warning: ${collapseText(collapse)}`] : []),
          ...(isResultsOnly(run, detail.artifacts)
            ? [
                `results only: no representations here; \`hkd runs replay ${run.id}\` trains them again`,
              ]
            : []),
          `config: ${JSON.stringify(run.config)}`,
          ...(run.error ? [`error: ${run.error.split('\n')[0]}`] : []),
          ...(o.epochs ? ['', epochTable(epochs)] : []),
          ...(trends ? ['', trendTable(trends, epochs.length)] : []),
        ].join('\n'),
      );
    });
  registerPlotCommand(runs, ctx);
  registerLeadCommand(runs, ctx);
  registerBundleCommands(runs, ctx);
}
