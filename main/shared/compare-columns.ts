import type { ClusterAnalysis, RunInfo } from '../contract';
import { meanSd } from './mean-sd';

// Columns after a comparison's metrics, computed per run: a row of pooled seeds shows the mean
// of its runs' numbers, or the distinct texts.

export interface ExtraColumn {
  name: string;
  /** Decimals a number is shown with. */
  digits: number;
  value(r: RunInfo): number | string | undefined;
}

export type ExtraValue = number | string | null;

/** A row's value: its runs' numbers' mean, else their distinct texts; null if none has one. */
export function pooledExtra(col: ExtraColumn, runs: RunInfo[]): ExtraValue {
  const values = runs.flatMap((r) => {
    const v = col.value(r);
    return v === undefined ? [] : [v];
  });
  if (values.length === 0) return null;
  if (values.every((v) => typeof v === 'number')) return meanSd(values as number[]).mean;
  return [...new Set(values.map(String))].join(', ');
}

/** How a file or the terminal shows a value (`none` for a missing one). */
export const extraText = (v: ExtraValue, digits: number, none: string): string =>
  v === null ? none : typeof v === 'string' ? v : v.toFixed(digits);

/** Table 3's columns from a cluster analysis of the runs. */
export function clusterSpreadColumns(a: ClusterAnalysis): ExtraColumn[] {
  const of = (r: RunInfo) => a.runs.find((x) => x.run === r.id);
  return [
    { name: 'cluster std H@5', digits: 4, value: (r) => of(r)?.std.H5 },
    { name: 'cluster std N@5', digits: 4, value: (r) => of(r)?.std.N5 },
  ];
}

/**
 * What a result cost: epochs trained, the best (reported) epoch, training seconds per epoch and
 * the backend — a converged table states them beside its metrics.
 */
export const trainingColumns = (): ExtraColumn[] => [
  { name: 'epochs', digits: 0, value: (r) => r.epochsRun },
  {
    name: 'best epoch',
    digits: 0,
    value: (r) => (r.bestEpoch === null ? undefined : r.bestEpoch + 1),
  },
  { name: 's/epoch', digits: 1, value: (r) => r.trainSecondsPerEpoch ?? undefined },
  { name: 'backend', digits: 0, value: (r) => r.backend ?? undefined },
];
