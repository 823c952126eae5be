import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { BackendChoice, EarlyStopRule, RunInfo } from '../contract';
import { replaySelection } from '../shared/model-selection';
import { InputError } from '../errors';
import { removeFiles, type ArtifactFile } from '../store/artifact-file';
import { findArtifact, recordArtifact } from '../store/artifacts';
import { readCheckpoint, writeCheckpoint } from '../store/checkpoint-file';
import type { Store } from '../store/db';
import { insertBranch } from '../store/run-branch';
import { getEpochs, getRun, nextRunId } from '../store/runs';
import { reapInterrupted } from '../store/run-processes';
import type { TrainListener, TrainOutcome } from './execute';
import { continuableState, executeStoredRun, grownLimits, type ExtensionLimits } from './resume';

// A finished run trained further as a new run: the source keeps its result (the one a table may
// already cite) and the branch continues from the source's last epoch under new stopping rules.

/** What a branch changes: larger limits, the authors' early stopping, its own label. */
export interface BranchChange extends ExtensionLimits {
  earlyStop?: EarlyStopRule;
  label?: string;
}

const RULE_NAMES: Record<EarlyStopRule, string> = {
  h5: 'validation H@5 (h5)',
  any: 'any of H@5/10/20 (any)',
};

/**
 * Creates, as `status`, a run whose epochs so far are those of completed or cancelled run `id`
 * and which continues from its last checkpoint under `change`. Its epochs then equal those of a
 * run started with the new settings: limits only grow, and the early-stopping rule may only
 * change from `h5` to `any` (which resets patience whenever `h5` does, so it never stops
 * earlier). Under a new rule the kept epoch is chosen again from the recorded ones; its
 * parameters must be among those the checkpoint holds (its best and its last epoch's).
 */
export function branchRun(
  store: Store,
  id: number,
  change: BranchChange,
  status: 'queued' | 'interrupted',
): RunInfo {
  reapInterrupted(store);
  let written: string | undefined;
  try {
    return store.write(() => {
      const source = getRun(store, id);
      const at = continuableState(store, source, 'branched');
      const was = source.config.earlyStop;
      const rule = change.earlyStop ?? was;
      if (was === 'any' && rule === 'h5')
        throw new InputError(
          `run #${id} stopped early on ${RULE_NAMES.any}; ${RULE_NAMES.h5} could have stopped it ` +
            'earlier than it did, so its epochs are not those of such a run: train one instead',
        );
      const sel =
        rule === was
          ? undefined
          : replaySelection(rule, getEpochs(store, id).slice(0, at.epochsDone));
      const limits = grownLimits(source, change, { ...at, ...sel });
      const branchId = nextRunId(store);
      const file = sel
        ? reselectedCheckpoint(store, source, branchId, at.epochsDone, sel)
        : copyCheckpoint(store, id, branchId);
      written = join(store.home, file.path);
      const label = change.label ?? branchLabel(source, { ...limits, earlyStop: rule });
      insertBranch(store, source.id, branchId, {
        config: { ...source.config, ...limits, earlyStop: rule, label },
        label,
        status,
        epochsDone: at.epochsDone,
      });
      recordArtifact(store, { runId: branchId }, file);
      return getRun(store, branchId);
    });
  } catch (e) {
    removeFiles([written]);
    throw e;
  }
}

/** Branches run `id` and trains the branch in this process. */
export async function branchAndTrain(
  store: Store,
  id: number,
  change: BranchChange,
  listener: TrainListener = {},
  backend?: BackendChoice,
): Promise<TrainOutcome> {
  const branch = branchRun(store, id, change, 'interrupted');
  return executeStoredRun(store, branch, listener, { backend });
}

function copyCheckpoint(store: Store, from: number, to: number): ArtifactFile {
  const a = findArtifact(store, { runId: from }, 'resume')!;
  const rel = join('runs', `${to}`, basename(a.path));
  mkdirSync(dirname(join(store.home, rel)), { recursive: true });
  copyFileSync(join(store.home, a.path), join(store.home, rel));
  return { kind: 'resume', path: rel, bytes: a.bytes, sha256: a.sha256 };
}

/** The source's checkpoint with the epoch `sel` keeps as its best, written for the branch. */
function reselectedCheckpoint(
  store: Store,
  source: RunInfo,
  branchId: number,
  epochsDone: number,
  sel: ReturnType<typeof replaySelection>,
): ArtifactFile {
  const state = readCheckpoint(
    store.home,
    findArtifact(store, { runId: source.id }, 'resume')!.path,
  );
  const last = epochsDone - 1;
  const keptBest = sel.bestEpoch === state.bestEpoch;
  if (!keptBest && sel.bestEpoch !== last)
    throw new InputError(
      `run #${source.id} kept the parameters of epochs ${state.bestEpoch + 1} (its best) and ` +
        `${last + 1} (its last); under early stopping on ${RULE_NAMES.any} its best is epoch ` +
        `${sel.bestEpoch + 1}, whose parameters are gone: train such a run from the start instead`,
    );
  return writeCheckpoint(store.home, branchId, {
    ...state,
    bestEpoch: sel.bestEpoch,
    sinceBest: sel.sinceBest,
    best: { ...sel.report, ranks: state.best.ranks },
    bestParams: keptBest ? state.bestParams : state.params,
    ...(sel.byK ? { byK: sel.byK } : {}),
    ...(keptBest ? {} : { bestRanksPending: true }),
  });
}

/** "de-20 → early-stop any, patience 40" (what differs from the source). */
function branchLabel(
  source: RunInfo,
  next: { patience: number; maxEpochs: number; earlyStop: EarlyStopRule },
): string {
  const c = source.config;
  const changes = [
    next.earlyStop !== c.earlyStop && `early-stop ${next.earlyStop}`,
    next.patience !== c.patience && `patience ${next.patience}`,
    next.maxEpochs !== c.maxEpochs && `max-epochs ${next.maxEpochs}`,
  ].filter(Boolean);
  const what = changes.length > 0 ? changes.join(', ') : 'continued';
  return `${source.label ?? `run #${source.id}`} → ${what}`.slice(0, 200);
}
