import { UserRequestSchema, type UserAnalysis } from '../contract';
import { InputError } from '../errors';
import type { Store } from '../store/db';
import { getDatasetById, loadDataset } from '../store/datasets';
import { getRun } from '../store/runs';
import { ranksOf } from './paired-runs';
import { parseConfig } from './train-config';

/**
 * Per-user views of finished runs on one dataset: each user's rank of its test item under each
 * run (to set a teacher's against a student's), and test H@5 by user activity in powers of two.
 */
export function userAnalysis(store: Store, input: unknown): UserAnalysis {
  const req = parseConfig(UserRequestSchema, input, 'per-user analysis');
  const runs = req.runs.map((id) => getRun(store, id));
  for (const r of runs) {
    if (r.status !== 'completed')
      throw new InputError(`run #${r.id} is ${r.status}: only completed runs can be analysed`);
    if (r.datasetId !== runs[0].datasetId)
      throw new InputError(`run #${r.id} was trained on another dataset than run #${runs[0].id}`);
  }
  const ds = loadDataset(store, getDatasetById(store, runs[0].datasetId));
  const activity = Array.from({ length: ds.nUsers }, (_, u) => ds.userPtr[u + 1] - ds.userPtr[u]);
  const ranks = runs.map((r) => ({
    run: r.id,
    splitId: r.splitId,
    ranks: Array.from(ranksOf(store, r.id)),
  }));
  const top = Math.max(1, ...activity);
  const bins: UserAnalysis['bins'] = [];
  for (let from = 1; from <= top; from *= 2) {
    const users = activity.flatMap((a, u) => (a >= from && a < 2 * from ? [u] : []));
    if (users.length === 0) continue;
    bins.push({
      from,
      to: 2 * from,
      users: users.length,
      H5: ranks.map((r) => users.filter((u) => r.ranks[u] <= 5).length / users.length),
    });
  }
  return { activity, ranks, bins };
}
