import type { EpochInfo, RunInfo } from '../contract';
import { runTitle } from './compare-table';
import type { Curves, RunCurves } from './epoch-figure';
import { experimentTitle, firstOfEachSeed, pairBySeed } from './seed-groups';

// Compare's curves: one line per row of its table — a run, or an experiment's seeds pooled into
// their mean ± sd — or each row's lead over a reference row, its runs paired with the
// reference's by seed.

export interface CompareLine {
  curves: Curves;
  /** With a reference: each seed's epochs and the reference's of that seed (for the lead). */
  pairs?: [EpochInfo[], EpochInfo[]][];
}

export function compareCurves(
  groups: RunInfo[][],
  reference: RunInfo[] | undefined,
  epochs: (r: RunInfo) => EpochInfo[],
): { lines: CompareLine[]; unpaired: string[] } {
  const one = (r: RunInfo, minus?: RunInfo): RunCurves => ({
    label: minus ? `#${r.id} − #${minus.id}` : runTitle(r),
    epochs: epochs(r),
    minus: minus && epochs(minus),
  });
  if (!reference)
    return {
      lines: groups.map((g) => {
        const runs = firstOfEachSeed(g);
        return {
          curves:
            runs.length === 1
              ? one(runs[0])
              : {
                  label: `${experimentTitle(runs[0])} (${runs.length} seeds)`,
                  seeds: runs.map((r) => one(r)),
                },
        };
      }),
      unpaired: [],
    };
  const lines: CompareLine[] = [];
  const unpaired: string[] = [];
  for (const g of groups.filter((g) => g !== reference)) {
    const pairs = pairBySeed(g, reference);
    if (!pairs.length) {
      unpaired.push(g.length === 1 ? runTitle(g[0]) : experimentTitle(g[0]));
      continue;
    }
    const seeds = pairs.map(([a, b]) => one(a, b));
    lines.push({
      curves:
        seeds.length === 1
          ? seeds[0]
          : {
              label: `${experimentTitle(g[0])} − ${experimentTitle(reference[0])} (${seeds.length} seeds)`,
              seeds,
            },
      pairs: pairs.map(([a, b]) => [epochs(a), epochs(b)]),
    });
  }
  return { lines, unpaired };
}
