import { InvalidArgumentError, type Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { InputError, NotFoundError } from '../errors';
import type { EpochInfo, RunInfo } from '../contract';
import {
  epochCurvesSvg,
  missingSeries,
  seriesNames,
  type Curves,
  type RunCurves,
} from '../shared/epoch-figure';
import { seedLeadBlocks, signedLead } from '../shared/epoch-lead';
import { experimentTitle, groupsOf, poolBySeed, seedPoolKey } from '../shared/seed-groups';
import { intArg, listArg, numArg, type CliContext } from './context';
import { table } from './views';

// `hkd runs plot` and `hkd runs lead`: stored per-epoch series of runs, drawn as an SVG figure or
// summed up as one run's lead over another.

/**
 * `4` (or a run's uid or label) → [4]; `4-3` → [4, 3]: run 4 minus run 3. Either side may be a
 * label with hyphens of its own (`hyperkdma-de-m8-20-de-20`): the hyphen meant is the one where
 * both sides name a run, and only one may.
 */
export function runDifference(runId: (text: string) => number, spec: string): [number, number?] {
  const whole = spec.trim();
  const named = (text: string): number | NotFoundError => {
    try {
      return runId(text);
    } catch (e) {
      if (e instanceof NotFoundError) return e;
      throw e;
    }
  };
  const one = named(whole);
  if (typeof one === 'number') return [one];
  const pairs = [...whole.matchAll(/-/g)].flatMap(({ index }) => {
    const [a, b] = [named(whole.slice(0, index)), named(whole.slice(index + 1))];
    return typeof a === 'number' && typeof b === 'number' ? [[a, b] as [number, number]] : [];
  });
  if (pairs.length === 1) return pairs[0];
  if (pairs.length > 1)
    throw new InputError(
      `'${spec}' reads as ${pairs.map(([a, b]) => `#${a} minus #${b}`).join(' or as ')}: ` +
        'give the runs by id',
    );
  throw new InputError(
    `${one.message}; nor is '${spec}' two runs joined by '-' (4-3: #4 minus #3)`,
  );
}

/** Refuses series no run has (a typo, or a method without them), naming those they do have. */
function checkSeries(runs: Curves[], series: string[]): void {
  const missing = missingSeries(runs, series);
  if (!missing.length) return;
  const known = [
    ...new Set(
      runs.flatMap((r) =>
        ('seeds' in r ? r.seeds : [r]).flatMap((c) => c.epochs.flatMap(seriesNames)),
      ),
    ),
  ];
  throw new InputError(
    `no epoch of these runs has ${missing.map((m) => `'${m}'`).join(', ')}; they have: ${known.join(', ') || 'no epochs yet'}`,
  );
}

/** A run and its epochs, as `runs.get` answers. */
interface RunEpochs {
  run: RunInfo;
  epochs: EpochInfo[];
}

const runName = (r: RunInfo) => `#${r.id} ${r.label ?? r.method ?? r.model}`;

/** Refuses a seed given twice: a pooled line averages one run of each seed. */
function oneRunPerSeed(g: RunEpochs[]): void {
  const seen = new Map<number, RunInfo>();
  for (const { run } of g) {
    const other = seen.get(run.seed);
    if (other)
      throw new InputError(
        `#${other.id} and #${run.id} are both seed ${run.seed} of one experiment: give one of them`,
      );
    seen.set(run.seed, run);
  }
}

/** A run or a difference of two (`4-3`), drawn alone or pooled with its other seeds. */
interface Drawn {
  a: RunEpochs;
  b?: RunEpochs;
}

/**
 * The lines `runs plot` draws: one per run (or difference), or with `pool` one per experiment
 * (differences: per pair of experiments, each seed's run less the other's of its seed) as the
 * mean over its seeds with a ± sd band.
 */
function plotLines(
  drawn: Drawn[],
  pool: boolean,
  runById: (id: number) => RunInfo | undefined,
): Curves[] {
  const single = ({ a, b }: Drawn): RunCurves => ({
    label: b ? `#${a.run.id} − #${b.run.id}` : runName(a.run),
    epochs: a.epochs,
    minus: b?.epochs,
  });
  if (!pool) return drawn.map(single);
  for (const { a, b } of drawn)
    if (b && a.run.seed !== b.run.seed)
      throw new InputError(
        `#${a.run.id}-#${b.run.id} pairs seed ${a.run.seed} with seed ${b.run.seed}: ` +
          'a lead pooled over seeds pairs runs of one seed',
      );
  const key = ({ a, b }: Drawn) =>
    seedPoolKey(a.run, runById) + (b ? ` − ${seedPoolKey(b.run, runById)}` : '');
  return groupsOf(drawn, key).map((g) => {
    if (g.length === 1) return single(g[0]);
    oneRunPerSeed(g.map(({ a }) => a));
    const b = g.find((d) => d.b)?.b;
    const name = b
      ? `${experimentTitle(g[0].a.run)} − ${experimentTitle(b.run)}`
      : experimentTitle(g[0].a.run);
    return { label: `${name} (${g.length} seeds)`, seeds: g.map(single) };
  });
}

function smoothingArg(v: string): number {
  const w = numArg(v);
  if (!(w >= 0 && w < 1)) throw new InvalidArgumentError(`--smooth must be in [0, 1), not ${v}`);
  return w;
}

export function registerPlotCommand(runs: Command, ctx: CliContext): void {
  const { io, call } = ctx;
  runs
    .command('plot <runs...>')
    .description(
      "draw runs' per-epoch curves as an SVG figure (metrics, loss terms, KD diagnostics, or a ratio a/b); a run given as 4-3 is drawn as run 4's lead over run 3, epoch by epoch",
    )
    .requiredOption(
      '--series <names>',
      'comma-separated, e.g. valid.H5 · loss.ta · share.ta · gate.entropy · ta0.norm/teacher.norm',
    )
    .option(
      '--pool-seeds',
      'one line per experiment: the mean over its seeds (runs that differ only in their seed, as Compare pools them) with a ± sd band, up to the shortest run; differences pair runs of one seed',
    )
    .option('--labels <names>', "comma-separated, one per line (default: '#id label')")
    .option('--log', 'a log y axis')
    .option(
      '--smooth <w>',
      "TensorBoard's smoothing: an exponential moving average of weight w in [0, 1) (the title says so)",
      smoothingArg,
    )
    .option('--title <text>', 'the figure title (default: the series)')
    .option('--out <file>', 'write to a file instead of standard output')
    .action(
      async (
        specs: string[],
        o: {
          series: string;
          poolSeeds?: boolean;
          labels?: string;
          log?: boolean;
          smooth?: number;
          title?: string;
          out?: string;
        },
      ) => {
        const series = listArg(o.series);
        const drawn: Drawn[] = [];
        for (const spec of specs) {
          const [id, minus] = runDifference(ctx.runId, spec);
          drawn.push({
            a: await call('runs.get', { id }),
            b: minus === undefined ? undefined : await call('runs.get', { id: minus }),
          });
        }
        const byId = o.poolSeeds
          ? new Map((await call('runs.list', {})).runs.map((r) => [r.id, r]))
          : new Map<number, RunInfo>();
        const lines = plotLines(drawn, !!o.poolSeeds, (id) => byId.get(id));
        if (o.labels !== undefined) {
          const labels = listArg(o.labels);
          if (labels.length !== lines.length)
            throw new InputError(`--labels names ${labels.length} lines, not ${lines.length}`);
          lines.forEach((l, i) => (l.label = labels[i]));
        }
        if (o.log && drawn.some((d) => d.b))
          throw new InputError('a difference of two runs can be negative: draw it without --log');
        checkSeries(lines, series);
        const svg = epochCurvesSvg(lines, series, {
          title: o.title,
          logY: o.log,
          smoothing: o.smooth,
        });
        if (o.out) writeFileSync(o.out, svg);
        else io.out(svg);
      },
    );
}

/**
 * `runs lead`'s sides: a run, or a comma-separated list of one experiment's runs with other
 * seeds, paired by seed with the other side's.
 */
async function leadPairs(ctx: CliContext, a: string, b: string) {
  const side = (text: string) =>
    Promise.all(listArg(text).map((x) => ctx.call('runs.get', { id: ctx.runId(x) })));
  const [as, bs] = [await side(a), await side(b)];
  if (as.length === 1 && bs.length === 1) return { as, bs, pairs: [[as[0], bs[0]]] };
  const { runs } = await ctx.call('runs.list', {});
  const byId = new Map(runs.map((r) => [r.id, r]));
  for (const g of [as, bs]) {
    const experiments = poolBySeed(
      g.map(({ run }) => run),
      (id) => byId.get(id),
    );
    if (experiments.length > 1) {
      const [first, ...rest] = experiments.map((e) => e.map((r) => `#${r.id}`).join(', '));
      const others = experiments.slice(1).flat().length;
      throw new InputError(
        `${rest.join(', ')} ${others > 1 ? 'differ' : 'differs'} from ${first} in more than the ` +
          'seed: a side of a pooled lead is one experiment',
      );
    }
    oneRunPerSeed(g);
  }
  const bySeed = new Map(bs.map((x) => [x.run.seed, x]));
  const pairs = as.map((x) => {
    const other = bySeed.get(x.run.seed);
    if (!other)
      throw new InputError(
        `#${x.run.id} is seed ${x.run.seed}; ${bs.map(({ run }) => `#${run.id}`).join(', ')} have no run of that seed`,
      );
    return [x, other];
  });
  return { as, bs, pairs };
}

export function registerLeadCommand(runs: Command, ctx: CliContext): void {
  runs
    .command('lead <a> <b>')
    .description(
      "run a's lead over run b in per-epoch series, over blocks of epochs: at how many epochs it is ahead, and by how much on average (the curves of `runs plot a-b` in numbers; not a test — that is `hkd paired`). Either side may list one experiment's seeds (4,11,12 3,8,10): the mean lead of the runs paired by seed",
    )
    .option('--series <names>', 'comma-separated, as for `runs plot`', 'valid.H5,test.H5')
    .option('--every <n>', 'epochs per block', intArg('--every', 1), 50)
    .option('--from <epoch>', 'the first epoch counted (from 1)', intArg('--from', 1), 1)
    .option('--json', 'print one JSON document')
    .action(
      async (
        a: string,
        b: string,
        o: { series: string; every: number; from: number; json?: boolean },
      ) => {
        const { as, bs, pairs } = await leadPairs(ctx, a, b);
        const series = listArg(o.series);
        checkSeries(
          [...as, ...bs].map(({ epochs }) => ({ label: '', epochs })),
          series,
        );
        const epochPairs = pairs.map(
          ([x, y]) => [x.epochs, y.epochs] as [EpochInfo[], EpochInfo[]],
        );
        const blocks = series.flatMap((s) => seedLeadBlocks(epochPairs, s, o.every, o.from));
        const [na, nb] = [as, bs].map((g) => g.map(({ run }) => `#${run.id}`).join(','));
        if (!blocks.length)
          throw new InputError(`${na} and ${nb} have no epoch in common from epoch ${o.from} on`);
        const seeds = pairs.length > 1 ? ` (${pairs.length} seeds)` : '';
        ctx.emit(!!o.json, blocks, () =>
          table(
            ['series', 'epochs', 'both', 'ahead', 'behind', `mean ${na} − ${nb}${seeds}`],
            blocks.map((l) => [
              l.series,
              `${l.from}–${l.to}`,
              l.epochs,
              l.ahead,
              l.behind,
              l.mean === null ? '-' : signedLead(l.mean),
            ]),
          ),
        );
      },
    );
}
