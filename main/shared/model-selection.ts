import type { EarlyStopRule, Metrics } from '../contract';

// Which epoch a run keeps and reports, and when its patience resets (METHOD.md §2.3): the
// trainer's rule, also replayed over recorded epochs (a branch, a live run's best so far).

const KS = ['5', '10', '20'] as const;
type K = (typeof KS)[number];

/** The validation hit rates whose strict improvement resets a rule's patience. */
export const WATCHED_HITS = {
  h5: ['H5'],
  any: KS.map((k) => `H${k}` as const),
} as const satisfies Record<EarlyStopRule, readonly ('H5' | 'H10' | 'H20')[]>;

/** Each K's best epoch so far and its metrics (code-compatible early stopping). */
export type BestByK = Record<K, { epoch: number; valid: Metrics; test: Metrics }>;

/**
 * One epoch's effect on model selection. Returns whether it improved (patience resets and its
 * parameters are kept), each K's best (for `any`), and the result to report: the epoch itself
 * (`h5`) or H/N@K of each K's best epoch.
 */
export function selectEpoch(
  rule: EarlyStopRule,
  epoch: number,
  ev: { valid: Metrics; test: Metrics },
  best: { valid: Metrics } | undefined,
  byK: BestByK | undefined,
): { improved: boolean; byK?: BestByK; report?: { valid: Metrics; test: Metrics } } {
  if (rule === 'h5') return { improved: !best || ev.valid.H5 > best.valid.H5 };
  const next = { ...byK } as Partial<BestByK>;
  let improved = false;
  for (const k of KS) {
    const hit = `H${k}` as const;
    if (!byK || ev.valid[hit] > byK[k].valid[hit]) {
      next[k] = { epoch, valid: ev.valid, test: ev.test };
      improved = true;
    }
  }
  const all = next as BestByK;
  const pick = (m: 'valid' | 'test'): Metrics => ({
    H5: all['5'][m].H5,
    N5: all['5'][m].N5,
    H10: all['10'][m].H10,
    N10: all['10'][m].N10,
    H20: all['20'][m].H20,
    N20: all['20'][m].N20,
  });
  return { improved, byK: all, report: { valid: pick('valid'), test: pick('test') } };
}

/** What model selection under `rule` holds after `epochs` (recorded in order): replays fit's. */
export function replaySelection(
  rule: EarlyStopRule,
  epochs: readonly { epoch: number; valid: Metrics; test: Metrics }[],
): {
  bestEpoch: number;
  sinceBest: number;
  report: { valid: Metrics; test: Metrics };
  byK?: BestByK;
} {
  let best: { epoch: number; valid: Metrics; test: Metrics } | undefined;
  let byK: BestByK | undefined;
  for (const e of epochs) {
    const sel = selectEpoch(rule, e.epoch, e, best, byK);
    byK = sel.byK;
    if (sel.improved) best = { epoch: e.epoch, ...(sel.report ?? e) };
  }
  if (!best) throw new Error('model selection needs at least one epoch');
  const last = epochs[epochs.length - 1].epoch;
  return {
    bestEpoch: best.epoch,
    sinceBest: last - best.epoch,
    report: { valid: best.valid, test: best.test },
    ...(byK ? { byK } : {}),
  };
}
