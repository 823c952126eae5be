import { Option, type Command } from 'commander';
import { clusterSpreadColumns, extraText, trainingColumns } from '../shared/compare-columns';
import {
  compareTable,
  METRIC_LABEL,
  METRICS,
  toCsv,
  toLatex,
  toMarkdown,
  type CompareRow,
  type CompareTable,
  type MetricKey,
} from '../shared/compare-table';
import { commonPaperSetting, PAPER_SETTINGS, paperRows } from '../shared/paper-results';
import { InputError, NotFoundError } from '../errors';
import type { PairedComparison } from '../contract';
import type { CliContext } from './context';
import { fmt, table } from './views';

const FORMATS = ['text', 'md', 'csv', 'tex'] as const;
const exporters = { md: toMarkdown, csv: toCsv, tex: toLatex };

/** One cell as the terminal shows it: mean ± sd, change over the baseline, its p. */
function cellText(row: CompareRow, j: number): string {
  const [v, sd, delta, p] = [row.cells[j], row.sd[j], row.delta[j], row.p[j]];
  if (v === null) return '–';
  return [
    `${row.best[j] ? '*' : ''}${fmt(v)}`,
    sd === null ? '' : ` ± ${fmt(sd)}`,
    delta === null ? '' : ` ${delta > 0 ? '+' : ''}${(100 * delta).toFixed(1)}%`,
    p === null ? '' : p < 0.001 ? ' p<0.001' : ` p=${fmt(p, 3)}`,
  ].join('');
}

function textTable(t: CompareTable): string {
  const rows = t.rows.flatMap((r) => [
    [
      r.label,
      r.runIds.map((id) => `#${id}`).join(' '),
      ...r.cells.map((_, j) => cellText(r, j)),
      ...r.extra.map((v, j) => extraText(v, t.extras[j].digits, '–')),
    ],
    ...(r.paper
      ? [
          [
            `  ${r.paper.label}`,
            '',
            ...r.paper.cells.map((v, j) => {
              const gap = r.paper!.gap[j];
              return v === null
                ? ''
                : `${fmt(v)}${gap === null ? '' : ` (${gap > 0 ? '+' : ''}${fmt(gap)})`}`;
            }),
            // The paper has no value in the extra columns.
            ...t.extras.map(() => ''),
          ],
        ]
      : []),
  ]);
  return [
    table(
      [
        'method',
        'runs',
        ...t.columns.map((c) => `${c.model} ${METRIC_LABEL[c.metric]}`),
        ...t.extras.map((x) => x.name),
      ],
      rows,
    ),
    '* best of its column; ± sample sd over pooled seeds; % change and paired t-test p against the baseline',
  ].join('\n');
}

/** `hkd compare`: the workbench's Compare table in the terminal or as a file format. */
export function registerCompareCommand(program: Command, ctx: CliContext): void {
  program
    .command('compare <runs...>')
    .description(
      "runs in the paper's table layout (test metrics; seeds of one configuration pooled into " +
        "mean ± sd), with the paper's own results for runs at its sizes",
    )
    .option('--metrics <list>', `metrics (${METRICS.join(', ')})`, 'H5,N5,H10,N10')
    .option('--baseline <run>', 'change and paired t-test against this run’s row', ctx.runId)
    .option('--no-pool', 'one row per run even where only the seed differs')
    .addOption(
      new Option(
        '--paper <dataset>',
        "the paper's results to set beside the runs (default: the one the runs' dataset names)",
      ).choices(['none', ...PAPER_SETTINGS.map((p) => p.id)]),
    )
    .option(
      '--training',
      'add what each result cost: epochs, best epoch, training seconds per epoch, backend (means over pooled seeds)',
    )
    .option(
      '--cluster-spread',
      "add Table 3's columns: the std over the teacher's user clusters of per-cluster test H@5 and N@5",
    )
    .addOption(new Option('--format <f>', 'output').choices(FORMATS).default('text'))
    .option('--json', 'print the table as one JSON document')
    .action(
      async (
        ids: string[],
        o: {
          metrics: string;
          baseline?: number;
          pool: boolean;
          paper?: string;
          format: (typeof FORMATS)[number];
          json?: boolean;
          clusterSpread?: boolean;
          training?: boolean;
        },
      ) => {
        const wanted = ids.map(ctx.runId);
        const { runs: all } = await ctx.call('runs.list', {});
        const byId = new Map(all.map((r) => [r.id, r]));
        const runs = wanted.map((id) => {
          const r = byId.get(id);
          if (!r) throw new NotFoundError(`run #${id}`);
          return r;
        });
        const metrics = o.metrics.split(',').map((m) => m.trim());
        const unknown = metrics.filter((m) => !(METRICS as readonly string[]).includes(m));
        if (unknown.length)
          throw new InputError(`unknown metric ${unknown.join(', ')}; use ${METRICS.join(', ')}`);
        const runById = (id: number) => byId.get(id);
        const setting = o.paper
          ? PAPER_SETTINGS.find((p) => p.id === o.paper)
          : commonPaperSetting(runs.map((r) => r.dataset ?? ''));
        const t = compareTable(runs, metrics as MetricKey[], {
          baselineId: o.baseline,
          poolSeeds: o.pool,
          runById,
          paper: setting && paperRows(setting, runById),
          extras: [
            ...(o.training ? trainingColumns() : []),
            ...(o.clusterSpread
              ? clusterSpreadColumns(
                  await ctx.call('analysis.clusters', { runs: wanted, projection: false }),
                )
              : []),
          ],
        });
        ctx.emit(!!o.json, t, () =>
          o.format === 'text' ? textTable(t) : exporters[o.format](t).trimEnd(),
        );
      },
    );
  program
    .command('paired <a> <b>')
    .description(
      'per-user paired test of two runs ranked on the same split (one seed): exact McNemar on hits@K, paired z on NDCG@K',
    )
    .option('--k <list>', 'cut-offs (5, 10, 20)', '5,10,20')
    .option('--json', 'print one JSON document')
    .action(async (a: string, b: string, o: { k: string; json?: boolean }) => {
      const [ra, rb] = [a, b].map(ctx.runId);
      const ks = o.k.split(',').map((x) => {
        const k = Number(x.trim());
        if (k !== 5 && k !== 10 && k !== 20)
          throw new InputError(`--k takes 5, 10 or 20, not '${x}'`);
        return k as 5 | 10 | 20;
      });
      const tests: PairedComparison[] = [];
      for (const k of ks) tests.push(await ctx.call('compare.paired', { a: ra, b: rb, k }));
      const p = (x: number) => (x < 0.001 ? '<0.001' : fmt(x, 3));
      ctx.emit(!!o.json, tests, () =>
        [
          table(
            [
              'K',
              'users',
              `#${ra} H@K`,
              `#${rb} H@K`,
              `only #${ra}`,
              `only #${rb}`,
              'McNemar p',
              `#${ra} N@K`,
              `#${rb} N@K`,
              'z',
              'p',
            ],
            tests.map((t) => [
              t.k,
              t.users,
              fmt(t.hitA),
              fmt(t.hitB),
              t.onlyA,
              t.onlyB,
              p(t.mcnemarP),
              fmt(t.ndcgA),
              fmt(t.ndcgB),
              fmt(t.ndcgZ, 2),
              p(t.ndcgP),
            ]),
          ),
          'only #x: the test users whose held-out item run #x ranks in its top K and the other run does not',
        ].join('\n'),
      );
    });
}
