import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { clusterLabels, type ClusterAnalysis } from '../contract';
import { InputError } from '../errors';
import { getDatasetById, loadDataset } from '../store/datasets';
import { getRun } from '../store/runs';
import { intArg, type CliContext } from './context';
import { csvField } from '../shared/compare-table';
import { changeText, intervalText } from '../shared/spread-text';
import { fmt, table } from './views';

/** `hkd analyze …`: how students represent the teacher's user clusters. */
export function registerAnalyzeCommands(program: Command, ctx: CliContext): void {
  const { call, emit, io } = ctx;
  const analyze = program
    .command('analyze')
    .description("analyses of finished runs: the teacher's user clusters in each student");
  const common = (c: Command) =>
    c
      .option('--k <n>', 'clusters (default ⌊users / 500⌋)', intArg('--k', 2))
      .option(
        '--reference <run>',
        "the run whose users are clustered (default: the students' teacher)",
        ctx.runId,
      )
      .option('--seed <n>', 'K-means and projection seed', intArg('--seed'), 0);

  common(
    analyze
      .command('clusters <runs...>')
      .description(
        "K-means on the teacher's users; per run: mis-clustered share, kNN agreement in a 2-D UMAP, per-cluster test H@5/N@5 and their std (Table 3)",
      )
      .option('--no-projection', 'skip the projection (and kNN agreement): much faster')
      .option(
        '--bootstrap <draws>',
        "95% intervals of each run's std, resampling users within clusters (e.g. 2000)",
        intArg('--bootstrap', 1),
      )
      .option(
        '--baseline <run>',
        "with --bootstrap: each run's change in std against this run, paired (same clusters)",
        ctx.runId,
      )
      .option('--json', 'print one JSON document'),
  ).action(
    async (
      ids: string[],
      o: {
        k?: number;
        reference?: number;
        seed: number;
        projection: boolean;
        bootstrap?: number;
        baseline?: number;
        json?: boolean;
      },
    ) => {
      if (o.baseline !== undefined && o.bootstrap === undefined)
        throw new InputError('--baseline needs --bootstrap <draws>');
      const a = await call('analysis.clusters', {
        runs: ids.map(ctx.runId),
        k: o.k,
        reference: o.reference,
        seed: o.seed,
        projection: o.projection,
        bootstrap: o.bootstrap,
        baseline: o.baseline,
      });
      const doc = { k: a.k, runs: a.runs.map(({ points: _, ...r }) => r) };
      emit(!!o.json, doc, () => clustersText(a, o.baseline));
    },
  );

  common(
    analyze
      .command('projection <runs...>')
      .description("a 2-D UMAP of each run's users with their teacher cluster, as CSV")
      .requiredOption(
        '--out <file>',
        'the CSV to write: run,user,raw_user_id,cluster,reference,x,y',
      ),
  ).action(
    async (ids: string[], o: { k?: number; reference?: number; seed: number; out: string }) => {
      const a = await call('analysis.clusters', {
        runs: ids.map(ctx.runId),
        k: o.k,
        reference: o.reference,
        seed: o.seed,
        projection: true,
      });
      const missing = a.runs.filter((r) => !r.points).map((r) => `#${r.run}`);
      if (missing.length)
        throw new InputError(
          `${missing.join(', ')} came from a results-only bundle: this home has no embeddings to project (\`hkd runs replay\` trains them again)`,
        );
      const raw = rawUserIds(ctx, a.references[0].run);
      const lines = ['run,user,raw_user_id,cluster,reference,x,y'];
      for (const r of a.runs) {
        const labels = clusterLabels(a, r);
        r.points!.x.forEach((x, u) =>
          lines.push(
            `${r.run},${u},${csvField(raw[u])},${labels[u]},${r.reference},${x},${r.points!.y[u]}`,
          ),
        );
      }
      writeFileSync(o.out, `${lines.join('\n')}\n`);
      io.err(
        `wrote ${o.out}: ${a.runs.length} run(s) × ${raw.length} users, ${a.k} clusters of ${a.references.map((x) => `#${x.run}`).join(', ')}`,
      );
    },
  );

  analyze
    .command('users <runs...>')
    .description(
      "per user: test H@5 by activity (interactions, in powers of two) for each run; --out: each user's test rank under each run",
    )
    .option('--out <file>', 'also write user,raw_user_id,activity,rank_<run>… as CSV')
    .option('--json', 'print one JSON document')
    .action(async (ids: string[], o: { out?: string; json?: boolean }) => {
      const a = await call('analysis.users', { runs: ids.map(ctx.runId) });
      if (o.out) {
        const raw = rawUserIds(ctx, a.ranks[0].run);
        const lines = [
          ['user', 'raw_user_id', 'activity', ...a.ranks.map((r) => `rank_${r.run}`)].join(','),
        ];
        a.activity.forEach((act, u) =>
          lines.push([u, csvField(raw[u]), act, ...a.ranks.map((r) => r.ranks[u])].join(',')),
        );
        writeFileSync(o.out, `${lines.join('\n')}\n`);
        io.err(`wrote ${o.out}: ${a.activity.length} users × ${a.ranks.length} run(s)`);
      }
      emit(!!o.json, { bins: a.bins, runs: a.ranks.map((r) => r.run) }, () =>
        table(
          ['interactions', 'users', ...a.ranks.map((r) => `#${r.run} H@5`)],
          a.bins.map((b) => [`${b.from}–${b.to - 1}`, b.users, ...b.H5.map((h) => fmt(h))]),
        ),
      );
    });
}

/** The dataset's own user ids, as the files a run was trained on name them. */
function rawUserIds(ctx: CliContext, runId: number): string[] {
  const store = ctx.openStore();
  return loadDataset(store, getDatasetById(store, getRun(store, runId).datasetId)).rawUserIds;
}

/** `hkd analyze clusters` as a table: one row per run, intervals when bootstrapped. */
function clustersText(a: ClusterAnalysis, baseline?: number): string {
  const boot = a.runs.some((r) => r.stdInterval);
  const vs = boot && baseline !== undefined ? ` vs #${baseline}` : '';
  return [
    `${a.k} clusters of the users of each run's reference (its teacher unless --reference)`,
    table(
      [
        'run',
        'clustered by',
        'mis-clustered',
        'kNN agreement',
        'std H@5',
        'std N@5',
        ...(boot ? ['std H@5 95%', 'std N@5 95%'] : []),
        ...(vs ? [`Δ std H@5${vs} (95%)`, `Δ std N@5${vs} (95%)`] : []),
        'cluster H@5 (min–max)',
      ],
      a.runs.map((r) => {
        const h = r.clusters.flatMap((c) => (c.H5 === null ? [] : [c.H5]));
        return [
          `#${r.run}`,
          `#${r.reference}`,
          r.misclustered === null ? '-' : fmt(r.misclustered),
          r.knnAgreement === null ? '-' : fmt(r.knnAgreement),
          fmt(r.std.H5),
          fmt(r.std.N5),
          ...(boot ? [intervalText(r.stdInterval?.H5), intervalText(r.stdInterval?.N5)] : []),
          ...(vs ? [changeText(r.change?.H5), changeText(r.change?.N5)] : []),
          `${fmt(Math.min(...h))}–${fmt(Math.max(...h))}`,
        ];
      }),
    ),
  ].join('\n');
}
