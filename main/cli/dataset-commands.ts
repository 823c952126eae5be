import { Option, type Command } from 'commander';
import { FORMATS, type DegreeSummary, type Format } from '../contract';
import { ensureDemoDataset, importDataset, synthDataset } from '../ops/datasets';
import { intArg, type CliContext } from './context';
import { datasetSummary, fmt, table } from './views';

/** `hkd setup` and `hkd dataset …`. */
export function registerDatasetCommands(program: Command, ctx: CliContext): void {
  const { openStore, emit, call } = ctx;
  program
    .command('setup')
    .description('create the data directory and the demo dataset if missing')
    .option('--json', 'print one JSON document')
    .action((o: { json?: boolean }) => {
      const s = openStore();
      const { row, created } = ensureDemoDataset(s);
      emit(!!o.json, { home: s.home, demo: row, created }, () =>
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
    .option('--user-col <col>', 'CSV/TSV: the user column, by header name or 1-based position')
    .option('--item-col <col>', 'CSV/TSV: the item column, by header name or 1-based position')
    .option('--json', 'print one JSON document')
    .action(
      async (
        file: string,
        o: {
          name: string;
          format: Format;
          minUser: number;
          minItem: number;
          userCol?: string;
          itemCol?: string;
          json?: boolean;
        },
      ) => {
        const row = await importDataset(openStore, { file, ...o });
        for (const w of row.stats.warnings ?? []) ctx.io.err(`warning: ${w}`);
        emit(!!o.json, row, () => datasetSummary(row));
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
      emit(!!o.json, row, () => datasetSummary(row));
    });
  dataset
    .command('list')
    .description('list datasets')
    .option('--json', 'print one JSON document')
    .action(async (o: { json?: boolean }) => {
      const rows = await call('datasets.list', {});
      emit(!!o.json, rows, () =>
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
    .command('delete <name>')
    .description('delete a dataset no run uses, with its splits')
    .action(async (name: string) => {
      await call('datasets.delete', { name });
      ctx.io.err(`deleted dataset '${name}'`);
    });
  dataset
    .command('show <name>')
    .description('show one dataset with its statistics')
    .option('--json', 'print one JSON document')
    .action(async (name: string, o: { json?: boolean }) => {
      const d = await call('datasets.get', { name });
      const degrees = (k: string, g: DegreeSummary) =>
        `${k} degree: min ${g.min}, median ${g.median}, mean ${fmt(g.mean, 2)}, max ${g.max}`;
      emit(!!o.json, d, () =>
        [
          datasetSummary(d),
          `source: ${d.source} (${d.format}; min-user ${d.minUser}, min-item ${d.minItem})`,
          degrees('user', d.stats.userDegree),
          degrees('item', d.stats.itemDegree),
        ].join('\n'),
      );
    });
}
