import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { InputError, NotFoundError } from '../errors';
import { epochCurvesSvg, missingSeries, seriesNames, type RunCurves } from '../shared/epoch-figure';
import { leadBlocks, signedLead } from '../shared/epoch-lead';
import { intArg, listArg, type CliContext } from './context';
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
function checkSeries(runs: RunCurves[], series: string[]): void {
  const missing = missingSeries(runs, series);
  if (!missing.length) return;
  const known = [...new Set(runs.flatMap((r) => r.epochs.flatMap(seriesNames)))];
  throw new InputError(
    `no epoch of these runs has ${missing.map((m) => `'${m}'`).join(', ')}; they have: ${known.join(', ') || 'no epochs yet'}`,
  );
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
    .option('--labels <names>', "comma-separated, one per run (default: '#id label')")
    .option('--log', 'a log y axis')
    .option('--title <text>', 'the figure title (default: the series)')
    .option('--out <file>', 'write to a file instead of standard output')
    .action(
      async (
        ids: string[],
        o: { series: string; labels?: string; log?: boolean; title?: string; out?: string },
      ) => {
        const series = listArg(o.series);
        const labels = o.labels === undefined ? undefined : listArg(o.labels);
        if (labels && labels.length !== ids.length)
          throw new InputError(`--labels names ${labels.length} runs, not ${ids.length}`);
        const runs: RunCurves[] = [];
        for (const [i, spec] of ids.entries()) {
          const [id, minus] = runDifference(ctx.runId, spec);
          const { run, epochs } = await call('runs.get', { id });
          const ref = minus === undefined ? undefined : await call('runs.get', { id: minus });
          runs.push({
            label:
              labels?.[i] ??
              (ref
                ? `#${run.id} − #${ref.run.id}`
                : `#${run.id} ${run.label ?? run.method ?? run.model}`),
            epochs,
            minus: ref?.epochs,
          });
        }
        if (o.log && runs.some((r) => r.minus))
          throw new InputError('a difference of two runs can be negative: draw it without --log');
        checkSeries(runs, series);
        const svg = epochCurvesSvg(runs, series, { title: o.title, logY: o.log });
        if (o.out) writeFileSync(o.out, svg);
        else io.out(svg);
      },
    );
}

export function registerLeadCommand(runs: Command, ctx: CliContext): void {
  runs
    .command('lead <a> <b>')
    .description(
      "run a's lead over run b in per-epoch series, over blocks of epochs: at how many epochs it is ahead, and by how much on average (the curves of `runs plot a-b` in numbers; not a test — that is `hkd paired`)",
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
        const [ra, rb] = await Promise.all(
          [a, b].map((x) => ctx.call('runs.get', { id: ctx.runId(x) })),
        );
        const series = listArg(o.series);
        checkSeries(
          [
            { label: '', epochs: ra.epochs },
            { label: '', epochs: rb.epochs },
          ],
          series,
        );
        const blocks = series.flatMap((s) => leadBlocks(ra.epochs, rb.epochs, s, o.every, o.from));
        if (!blocks.length)
          throw new InputError(
            `#${ra.run.id} and #${rb.run.id} have no epoch in common from epoch ${o.from} on`,
          );
        ctx.emit(!!o.json, blocks, () =>
          table(
            ['series', 'epochs', 'both', 'ahead', 'behind', `mean #${ra.run.id} − #${rb.run.id}`],
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
