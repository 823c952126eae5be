import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { InputError } from '../errors';
import { epochCurvesSvg, missingSeries, seriesNames, type RunCurves } from '../shared/epoch-figure';
import { intArg, type CliContext } from './context';

// `hkd runs plot`: stored per-epoch series of runs as an SVG figure.

/** `4` → [4]; `4-3` → [4, 3]: run 4 minus run 3. */
function runDifference(spec: string): [number, number?] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(spec.trim());
  if (!m)
    throw new InputError(`'${spec}' is not a run id, nor two joined by '-' (4-3: #4 minus #3)`);
  const [a, b] = [m[1], m[2]].map((x) => (x === undefined ? undefined : intArg('run id', 1)(x)));
  return b === undefined ? [a!] : [a!, b];
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

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
        const series = list(o.series);
        const labels = o.labels === undefined ? undefined : list(o.labels);
        if (labels && labels.length !== ids.length)
          throw new InputError(`--labels names ${labels.length} runs, not ${ids.length}`);
        const runs: RunCurves[] = [];
        for (const [i, spec] of ids.entries()) {
          const [id, minus] = runDifference(spec);
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
        const missing = missingSeries(runs, series);
        if (missing.length) {
          const known = [...new Set(runs.flatMap((r) => r.epochs.flatMap(seriesNames)))];
          throw new InputError(
            `no epoch of these runs has ${missing.map((m) => `'${m}'`).join(', ')}; they have: ${known.join(', ') || 'no epochs yet'}`,
          );
        }
        const svg = epochCurvesSvg(runs, series, { title: o.title, logY: o.log });
        if (o.out) writeFileSync(o.out, svg);
        else io.out(svg);
      },
    );
}
