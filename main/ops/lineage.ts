import type { Store } from '../store/db';
import { getDatasetById } from '../store/datasets';
import { getRun } from '../store/runs';

/** What a run was built from, and whether each source is still there as it was. */
export function lineage(store: Store, runId: number) {
  const run = getRun(store, runId);
  const ids: [string, number][] = [];
  if (run.branchOf !== null) ids.push(['continues', run.branchOf]);
  if (run.replayOf !== null) ids.push(['replays', run.replayOf]);
  if (run.kind === 'distill') {
    const { teacher, guideRuns = [], pretrainedTaRuns = [] } = run.config;
    ids.push(['teacher', teacher]);
    // The teacher heads DGKD's guides but not TAKD's, whose only guide is its last link.
    for (const g of guideRuns) if (g !== teacher) ids.push(['guide', g]);
    for (const g of pretrainedTaRuns) ids.push(['pretrained TA', g]);
  }
  let dataset: { id: number; name: string } | null = null;
  try {
    const d = getDatasetById(store, run.datasetId);
    dataset = { id: d.id, name: d.name };
  } catch {
    dataset = null;
  }
  return {
    dataset,
    seed: run.seed,
    sources: ids.map(([role, id]) => {
      try {
        const s = getRun(store, id);
        // A branch shares its source's start: the source changed if it ended again after the
        // branch was made (it was extended).
        const since = role === 'continues' ? run.createdAt : run.startedAt;
        const changed = !!(s.finishedAt && since && s.finishedAt > since);
        return { role, id, exists: true, status: s.status, label: s.label, changedSince: changed };
      } catch {
        return { role, id, exists: false, status: null, label: null, changedSince: false };
      }
    }),
  };
}
