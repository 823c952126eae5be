import type { Rng } from '../data/rng';
import { batches, sampleEpoch } from '../data/sampler';
import type { Split, TrainSet } from '../data/split';
import { Adam, type AdamOptions, type AdamState } from './adam';
import { GradScope } from './grad-scope';
import type { CandidateScorer } from './kernels/candidate-scorer';
import { metricsFromRanks, rankHeldOut, type Ranks, type TiePolicy } from './metrics';
import type { EarlyStopRule, Metrics } from '../contract';
import { selectEpoch, type BestByK } from '../shared/model-selection';
import type { Recommender } from './models/model';
import { restore, snapshot, type ParamSnapshot } from './params';

export interface FitOptions {
  batchSize: number;
  negatives: number;
  maxEpochs: number;
  /** Stop after this many epochs without a strictly better validation H@5 (or any K: earlyStop). */
  patience: number;
  /**
   * `h5` (the paper): a strictly better validation H@5 resets patience and selects the epoch.
   * `any` (the authors' code, METHOD.md §2.3): a better H@5, H@10 or H@20 resets it; each K's
   * result comes from that K's best epoch, and the parameters kept are the last improvement's.
   */
  earlyStop?: EarlyStopRule;
  ties: TiePolicy;
  adam: AdamOptions;
}

export interface EpochReport {
  epoch: number;
  /** Each loss term summed over the epoch's batches. */
  losses: Record<string, number>;
  /** Means over batches of the model's diagnostics, plus each term's share of the total loss. */
  diagnostics?: Record<string, number>;
  valid: Metrics;
  test: Metrics;
  trainSeconds: number;
  evalSeconds: number;
  bestEpoch: number;
  bestValidH5: number;
}

export interface Evaluation {
  valid: Metrics;
  test: Metrics;
  ranks: Ranks;
}

export type FitResult = {
  epochsRun: number;
  trainSeconds: number[];
  evalSeconds: number[];
} & (
  | {
      stoppedBy: 'patience' | 'max-epochs' | 'cancelled';
      bestEpoch: number;
      best: Evaluation;
      bestParams: ParamSnapshot;
    }
  /** Cancelled before the first epoch finished: nothing to report. */
  | { stoppedBy: 'cancelled'; best?: undefined }
);

/** Everything needed to continue training exactly where it stopped. */
export interface FitState {
  /** Epochs completed so far. */
  epochsDone: number;
  bestEpoch: number;
  sinceBest: number;
  best: Evaluation;
  bestParams: ParamSnapshot;
  params: ParamSnapshot;
  adam: AdamState;
  /** States of the sampling stream and of every extra stream, in order. */
  rngs: number[][];
  trainSeconds: number[];
  evalSeconds: number[];
  /** Code-compatible early stopping: each K's best so far (absent in older checkpoints). */
  byK?: BestByK;
  /**
   * `best.ranks` are not those of `bestParams` yet: a run continued under another selection rule
   * whose best epoch is its last one (ops/branch.ts). Training recomputes them before it goes on.
   */
  bestRanksPending?: boolean;
}

export interface FitHooks {
  onEpoch?(r: EpochReport): void | Promise<void>;
  /**
   * After each epoch; `state()` builds the (large) resumable state only when asked; `isBest` says
   * the epoch just improved validation H@5, `isLast` that training stops after it (patience or
   * the epoch limit), so its state is what a later extension continues from.
   */
  onCheckpoint?(state: () => FitState, isBest: boolean, isLast: boolean): void;
  shouldStop?(): boolean;
  /** After every batch (cheap: called ~100 times per epoch on CiteULike). */
  onBatch?(epoch: number, done: number, total: number): void;
}

export async function evaluate(
  model: Recommender,
  scorer: CandidateScorer,
  ties: TiePolicy,
): Promise<Evaluation> {
  const ranks = rankHeldOut(await model.scoreHeldOut(scorer), model.nUsers, ties);
  return { valid: metricsFromRanks(ranks.valid), test: metricsFromRanks(ranks.test), ranks };
}

const YIELD_MS = 100;
/** When training last let the event loop run; shared across epochs, which can be very short. */
let lastYield = performance.now();

/** Lets signals and messages (cancel requests) through, at most every YIELD_MS. */
async function yieldToEventLoop(): Promise<void> {
  if (performance.now() - lastYield < YIELD_MS) return;
  await new Promise((r) => setImmediate(r));
  lastYield = performance.now();
}

export interface EpochLosses {
  losses: Record<string, number>;
  diagnostics?: Record<string, number>;
}

/** Trains one epoch; returns the summed loss terms and the mean diagnostics. */
/** Training produced a non-finite loss: the run fails with the batch where it happened. */
export class DivergedError extends Error {
  constructor(loss: number, batch: number) {
    super(
      `the loss became ${loss} at batch ${batch} of the epoch: training diverged (try a smaller ` +
        'learning rate or loss weights); the run keeps its epochs and best result so far',
    );
  }
}

export async function trainEpoch(
  model: Recommender,
  optimizer: Adam,
  train: TrainSet,
  rng: Rng,
  opts: Pick<FitOptions, 'batchSize' | 'negatives'>,
  /** Checked before every batch: true abandons the epoch (cancellation). */
  shouldStop: () => boolean = () => false,
  onBatch?: (done: number, total: number) => void,
): Promise<EpochLosses & { stopped: boolean }> {
  const sums: Record<string, number> = {};
  const statSums: Record<string, number> = {};
  const statCounts: Record<string, number> = {};
  const sample = sampleEpoch(train, rng, opts.negatives);
  const total = Math.ceil(sample.users.length / opts.batchSize);
  let done = 0;
  for (const b of batches(sample, opts.batchSize)) {
    await yieldToEventLoop();
    if (shouldStop()) return { losses: sums, stopped: true };
    const v = await GradScope.stepAsync((scope) => model.loss(scope, b));
    // A non-finite loss would spread through every parameter at the next update; stop first.
    if (!Number.isFinite(v.total)) throw new DivergedError(v.total, done + 1);
    optimizer.step();
    onBatch?.(++done, total);
    sums.total = (sums.total ?? 0) + v.total;
    for (const [k, x] of Object.entries(v.terms)) sums[k] = (sums[k] ?? 0) + x;
    for (const [k, x] of Object.entries(v.stats)) {
      statSums[k] = (statSums[k] ?? 0) + x;
      statCounts[k] = (statCounts[k] ?? 0) + 1;
    }
  }
  const keys = Object.keys(statSums);
  if (keys.length === 0) return { losses: sums, stopped: false };
  const diagnostics = Object.fromEntries(keys.map((k) => [k, statSums[k] / statCounts[k]]));
  for (const [k, x] of Object.entries(sums))
    if (k !== 'total') diagnostics[`share.${k}`] = x / sums.total;
  return { losses: sums, diagnostics, stopped: false };
}

/**
 * METHOD.md §2.3: train, evaluate after every epoch, early-stop on validation H@5, and keep the
 * parameters and ranks of the best-validation epoch (whose test metrics are the result).
 */
export async function fit(
  model: Recommender,
  data: { train: TrainSet; split: Split; scorer: CandidateScorer },
  opts: FitOptions,
  rng: Rng,
  hooks: FitHooks = {},
  /** Streams besides sampling whose state must survive a resume (Gumbel noise, guide drops). */
  extraRngs: Rng[] = [],
  resume?: FitState,
): Promise<FitResult> {
  const optimizer = new Adam(model.params, opts.adam);
  let best: Evaluation | undefined = resume?.best;
  let bestEpoch = resume?.bestEpoch ?? -1;
  let bestParams: ParamSnapshot = resume?.bestParams ?? snapshot(model.params);
  let sinceBest = resume?.sinceBest ?? 0;
  const rule = opts.earlyStop ?? 'h5';
  let byK = resume?.byK;
  const trainSeconds: number[] = resume ? [...resume.trainSeconds] : [];
  const evalSeconds: number[] = resume ? [...resume.evalSeconds] : [];
  const rngs = [rng, ...extraRngs];
  if (resume) {
    restore(model.params, resume.params);
    optimizer.load(resume.adam);
    resume.rngs.forEach((s, i) => rngs[i].setState(s));
    if (resume.bestRanksPending) {
      // Scoring is deterministic: these are the ranks that epoch's own evaluation gave.
      restore(model.params, resume.bestParams);
      best = { ...best!, ranks: (await evaluate(model, data.scorer, opts.ties)).ranks };
      restore(model.params, resume.params);
    }
  }
  const state = (epochsDone: number): FitState => ({
    epochsDone,
    bestEpoch,
    sinceBest,
    best: best!,
    bestParams,
    params: snapshot(model.params),
    adam: optimizer.state(),
    rngs: rngs.map((r) => r.state()),
    trainSeconds: [...trainSeconds],
    evalSeconds: [...evalSeconds],
    ...(byK ? { byK } : {}),
  });
  let stoppedBy: FitResult['stoppedBy'] = 'max-epochs';
  for (let epoch = resume?.epochsDone ?? 0; epoch < opts.maxEpochs; epoch++) {
    if (hooks.shouldStop?.()) {
      stoppedBy = 'cancelled';
      break;
    }
    model.startEpoch?.(epoch);
    const t0 = performance.now();
    const { losses, diagnostics, stopped } = await trainEpoch(
      model,
      optimizer,
      data.train,
      rng,
      opts,
      () => hooks.shouldStop?.() ?? false,
      hooks.onBatch && ((done, total) => hooks.onBatch!(epoch, done, total)),
    );
    if (stopped) {
      stoppedBy = 'cancelled';
      break;
    }
    const t1 = performance.now();
    const ev = await evaluate(model, data.scorer, opts.ties);
    const t2 = performance.now();
    trainSeconds.push((t1 - t0) / 1000);
    evalSeconds.push((t2 - t1) / 1000);
    const sel = selectEpoch(rule, epoch, ev, best, byK);
    byK = sel.byK;
    if (sel.improved) {
      best = sel.report ? { ...sel.report, ranks: ev.ranks } : ev;
      bestEpoch = epoch;
      bestParams = snapshot(model.params);
      sinceBest = 0;
    } else {
      sinceBest++;
    }
    await hooks.onEpoch?.({
      epoch,
      losses,
      ...(diagnostics ? { diagnostics } : {}),
      valid: ev.valid,
      test: ev.test,
      trainSeconds: trainSeconds[epoch],
      evalSeconds: evalSeconds[epoch],
      bestEpoch,
      bestValidH5: best!.valid.H5,
    });
    const patienceSpent = sinceBest >= opts.patience;
    hooks.onCheckpoint?.(
      () => state(epoch + 1),
      bestEpoch === epoch,
      patienceSpent || epoch + 1 >= opts.maxEpochs,
    );
    if (patienceSpent) {
      stoppedBy = 'patience';
      break;
    }
  }
  if (!best) return { stoppedBy: 'cancelled', epochsRun: 0, trainSeconds, evalSeconds };
  return {
    bestEpoch,
    epochsRun: trainSeconds.length,
    best,
    bestParams,
    trainSeconds,
    evalSeconds,
    stoppedBy,
  };
}
