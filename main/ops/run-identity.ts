import type { RunInfo, TrainConfig } from '../contract';
import type { Store } from '../store/db';
import { getDataset } from '../store/datasets';
import { listRuns } from '../store/runs';
import { reapInterrupted } from '../store/run-processes';

// What makes two runs the same experiment: equal configurations once the fields that do not
// change what is trained (a label, the backend, the runs a student was built from) are left out.

/** Stored with a run but not part of what defines it. */
const NOT_IDENTITY = new Set(['label', 'backend', 'guideRuns', 'pretrainedTaRuns']);

export const canonical = (c: Record<string, unknown>): string =>
  JSON.stringify(
    Object.keys(c)
      .filter((k) => !NOT_IDENTITY.has(k))
      .sort()
      .map((k) => [k, c[k]]),
  );

/** How far along a run is, best first: a run elsewhere in this list can stand in for a new one. */
const PLACED = ['completed', 'running', 'queued', 'interrupted'] as const;

/** The identical run furthest along (completed first), if any is usable. */
export function bestPlaced(same: RunInfo[]): RunInfo | undefined {
  const rank = (r: RunInfo) => (PLACED as readonly string[]).indexOf(r.status);
  return same.filter((r) => rank(r) >= 0).sort((x, y) => rank(x) - rank(y) || x.id - y.id)[0];
}

/** Base-model runs with exactly this (validated) configuration. */
export function sameTrainingRuns(store: Store, cfg: TrainConfig, runs?: RunInfo[]): RunInfo[] {
  const datasetId = getDataset(store, cfg.dataset).id;
  const key = canonical(cfg);
  if (!runs) reapInterrupted(store);
  return (runs ?? listRuns(store)).filter(
    (r) => r.kind === 'train' && r.datasetId === datasetId && canonical(r.config) === key,
  );
}
