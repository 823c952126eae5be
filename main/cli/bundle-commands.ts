import type { Command } from 'commander';
import { exportBundle } from '../ops/bundle-export';
import { importBundle } from '../ops/bundle-import';
import type { CliContext } from './context';
import { sizeText } from './views';

/** `hkd runs export` and `hkd runs import`. */
export function registerBundleCommands(runs: Command, ctx: CliContext): void {
  const { openStore, emit } = ctx;
  // Bundles are files of this machine's own: the terminal names them, so these two work on the
  // store directly (a page never names a path).
  runs
    .command('export <runs...>')
    .description(
      'write finished runs, and every run they are built from, as one portable bundle (runs by id, label or uid); with --checkpoints also a training or interrupted run, as of its last checkpoint, to go on training in the home that imports it',
    )
    .requiredOption('--out <file>', 'the bundle to write')
    .option(
      '--checkpoints',
      "also the named runs' training states (large; needed to extend or resume them there)",
    )
    .option('--with-dataset', 'also the dataset, for a home that does not have it')
    .option(
      '--no-embeddings',
      'leave out the representation tables: results, ranks and TA weights only (small; enough to compare, not to distil from)',
    )
    .option('--no-gates', "leave out HyperKDMA runs' per-user and per-item TA weights")
    .option('--json', 'print one JSON document')
    .action(
      (
        refs: string[],
        o: {
          out: string;
          checkpoints?: boolean;
          withDataset?: boolean;
          embeddings: boolean;
          gates: boolean;
          json?: boolean;
        },
      ) => {
        const r = exportBundle(openStore(), refs, o.out, {
          checkpoints: o.checkpoints,
          dataset: o.withDataset,
          embeddings: o.embeddings,
          gates: o.gates,
        });
        emit(
          !!o.json,
          { file: o.out, ...r },
          () =>
            `wrote ${o.out}: runs ${r.runs.map((i) => `#${i}`).join(', ')} (${sizeText(r.bytes)})`,
        );
      },
    );
  runs
    .command('import <files...>')
    .description(
      "read run bundles into this home (runs already here are linked, not doubled; another dataset's runs are refused)",
    )
    .option('--json', 'print one JSON document')
    .action((files: string[], o: { json?: boolean }) => {
      const results = files.map((f) => importBundle(openStore(), f));
      emit(!!o.json, results, () =>
        results
          .map((r, i) => {
            const added = r.runs.filter((x) => x.added).map((x) => `#${x.id}`);
            const unpaired = r.runs.filter((x) => x.added && !x.paired).map((x) => `#${x.id}`);
            const resumable = r.runs.flatMap((x) =>
              x.resumesAfter === undefined ? [] : [`#${x.id} after epoch ${x.resumesAfter}`],
            );
            return [
              `${files[i]}: ${added.length ? `added ${added.join(', ')}` : 'nothing new'}`,
              added.length < r.runs.length ? ` (${r.runs.length - added.length} already here)` : '',
              ` on '${r.dataset}'`,
              unpaired.length
                ? `; ${unpaired.join(', ')} without a paired test (this version builds their split differently)`
                : '',
              resumable.length
                ? `; interrupted, to go on: ${resumable.join(', ')} (\`hkd runs resume <id>\`, or \`hkd queue --resume-interrupted\`)`
                : '',
            ].join('');
          })
          .join('\n'),
      );
    });
}
