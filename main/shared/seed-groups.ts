import { runDim, type RunInfo } from '../contract';

// Runs that repeat one experiment with other seeds: Compare pools them into one row, the curves
// into one mean ± sd line, and a repetition finds each seed's twin by the same key.

/** What does not make two runs different experiments: the seed and the runs it picked. */
const PER_SEED = new Set(['seed', 'label', 'backend', 'teacher', 'guideRuns', 'pretrainedTaRuns']);

/** Runs with equal keys repeat one experiment with other seeds. */
export function seedPoolKey(r: RunInfo, runById?: (id: number) => RunInfo | undefined): string {
  const config = Object.entries(r.config)
    .filter(([k]) => !PER_SEED.has(k))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const teacher = r.teacherRunId === null ? undefined : runById?.(r.teacherRunId);
  const from = teacher ? seedPoolKey(teacher, runById) : r.teacherRunId;
  return JSON.stringify([r.kind, r.model, r.method, r.datasetId, config, from]);
}

/** Items grouped by key, in the order each group's first item comes. */
export function groupsOf<T>(items: T[], key: (x: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const x of items) {
    const k = key(x);
    groups.set(k, [...(groups.get(k) ?? []), x]);
  }
  return [...groups.values()];
}

/** The runs grouped by experiment (`seedPoolKey`). */
export const poolBySeed = <R extends RunInfo>(
  runs: R[],
  runById?: (id: number) => RunInfo | undefined,
): R[][] => groupsOf(runs, (r) => seedPoolKey(r, runById));

/** The first run of each seed (a seed run twice counts once, as the paired t-test counts it). */
export function firstOfEachSeed<R extends RunInfo>(group: R[]): R[] {
  const out = new Map<number, R>();
  for (const r of group) if (!out.has(r.seed)) out.set(r.seed, r);
  return [...out.values()];
}

/**
 * A group's runs each with the reference group's run of its seed; seeds the other lacks are left
 * out. Two single runs are paired whatever their seeds: that is a difference asked for by name.
 */
export function pairBySeed<R extends RunInfo>(group: R[], reference: R[]): [R, R][] {
  if (group.length === 1 && reference.length === 1) return [[group[0], reference[0]]];
  const theirs = new Map(firstOfEachSeed(reference).map((r) => [r.seed, r]));
  return firstOfEachSeed(group).flatMap((r) => {
    const other = theirs.get(r.seed);
    return other ? [[r, other] as [R, R]] : [];
  });
}

/** A pooled line's name: its first run's label without its seed, or its method and size. */
export const experimentTitle = (r: RunInfo): string =>
  r.label?.replace(/ \(seed \d+\)$/, '') ?? `${r.method ?? r.model} d=${runDim(r)}`;
