import { initBackend } from '../engine/backend';
import { familySpec } from '../engine/kd/methods/registry';
import { taSizes } from '../engine/kd/ta-sizes';
import {
  type DistillConfig,
  type DistillMethod,
  KD_METHODS,
  type ModelName,
  type ModelOptions,
  pickModelOptions,
  representationWidth,
  runDim,
  type RunInfo,
  unlessDefault,
} from '../contract';
import { InputError } from '../errors';
import type { Store } from '../store/db';
import { checkCandidatesFit, getDataset } from '../store/datasets';
import { addDependencies } from '../store/queue';
import { awaitedReplays } from '../store/run-replay';
import { createRun, getRun, listRuns } from '../store/runs';
import { reapInterrupted } from '../store/run-processes';
import { parseDistillConfig } from './distill-config';
import { resolveRun } from './run-ref';
import { bestPlaced, canonical } from './run-identity';
import { embeddingsOf } from './run-embeddings';
import type { TrainListener, TrainOutcome } from './execute';
import { makePlan, trainHere } from './plan';
import type { GuideFile, RunPlan } from './run-plan';

export interface DistillOutcome extends TrainOutcome {
  method: DistillMethod;
  teacherRunId: number;
  taDims: number[];
}

/** Where a frozen run's representations are, for a student's plan. */
function guideFile(store: Store, run: RunInfo, name: string): GuideFile {
  const a = embeddingsOf(store, run);
  const width = representationWidth(run.model as ModelName, modelOptionsOf(run), runDim(run));
  return { name, path: a.path, width };
}

function resolveTaDims(cfg: DistillConfig, dT: number): number[] {
  const dS = cfg.studentDim;
  if (!cfg.taDims) return taSizes(dT, dS, cfg.numTas).sizes;
  for (const d of cfg.taDims) {
    if (d <= dS || d >= dT)
      throw new InputError(
        `TA size ${d} is not between the student (${dS}) and the teacher (${dT})`,
      );
  }
  return [...new Set(cfg.taDims)].sort((a, b) => a - b);
}

/**
 * The fields that define a distillation run of this method, with the teacher and TA sizes
 * resolved; identical keys mean a run can be reused (TAKD/DGKD chains, pretrained TAs).
 */
function normalizedConfig(
  cfg: DistillConfig,
  teacher: RunInfo,
  taDims: number[],
): Record<string, unknown> {
  const { flavour } = KD_METHODS[cfg.method];
  return {
    dataset: cfg.dataset,
    teacher: teacher.id,
    method: cfg.method,
    studentDim: cfg.studentDim,
    seed: teacher.seed,
    lambdaT: cfg.lambdaT,
    itemWeight: cfg.itemWeight,
    lr: cfg.lr,
    reg: cfg.reg,
    batch: cfg.batch,
    neg: cfg.neg,
    maxEpochs: cfg.maxEpochs,
    patience: cfg.patience,
    earlyStop: cfg.earlyStop,
    candidates: cfg.candidates,
    ties: cfg.ties,
    ...(flavour === 'DE'
      ? { experts: cfg.experts, ...unlessDefault(cfg, ['annealEpochs']) }
      : { phrEnrich: cfg.phrEnrich }),
    ...familySpec(cfg.method).identity(cfg, taDims),
    ...modelOptionsField(teacher),
  };
}

function modelOptionsField(teacher: RunInfo): { modelOptions?: ModelOptions } {
  const options = modelOptionsOf(teacher);
  return Object.keys(options).length > 0 ? { modelOptions: options } : {};
}

/** The base model's own options: a student and its TAs take its teacher's. */
export function modelOptionsOf(run: RunInfo): ModelOptions {
  return run.kind === 'train' ? pickModelOptions(run.config) : (run.config.modelOptions ?? {});
}

/** Stored with a distillation run but derived from its request: the teacher's seed, its guides. */
const DERIVED = ['seed', 'guideRuns', 'pretrainedTaRuns'];

/** The request that created a stored distillation run (to queue or execute it again). */
export function distillRequest(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([k]) => !DERIVED.includes(k)));
}

/**
 * How a distillation obtains a run it is built from (a TAKD link, a DGKD TA, a pretrained TA),
 * given that run's configuration.
 */
export type Prerequisite = (cfg: DistillConfig) => Promise<RunInfo>;

/**
 * Runs with exactly this configuration (same teacher, same identity fields), among `runs` if
 * given (one listing serves many lookups).
 */
export function sameDistillRuns(store: Store, cfg: DistillConfig, runs?: RunInfo[]): RunInfo[] {
  const teacher = resolveRun(store, cfg.teacher);
  const key = canonical(normalizedConfig(cfg, teacher, resolveTaDims(cfg, runDim(teacher))));
  if (!runs) reapInterrupted(store);
  return (runs ?? listRuns(store)).filter(
    (r) => r.kind === 'distill' && r.teacherRunId === teacher.id && canonical(r.config) === key,
  );
}

/** In-process: an identical completed run, an interrupted one resumed, or a new one trained now. */
export const trainNow =
  (store: Store, listener: TrainListener): Prerequisite =>
  async (cfg) => {
    const same = sameDistillRuns(store, cfg);
    const done = same.find((r) => r.status === 'completed');
    if (done) return done;
    const broken = same.find((r) => r.status === 'interrupted');
    return (await runDistill(store, cfg, listener, broken)).run;
  };

/** For the queue: an identical run that is done or on its way, or a new queued one. */
export const queueMissing =
  (store: Store, queued: RunInfo[]): Prerequisite =>
  async (cfg) => {
    const found = bestPlaced(sameDistillRuns(store, cfg));
    if (found) return found;
    const { run } = await queueDistill(store, cfg);
    queued.push(run);
    return run;
  };

interface ResolvedDistill {
  cfg: DistillConfig;
  teacher: RunInfo;
  dT: number;
  taDims: number[];
  /** Frozen guides: the teacher first, then TAKD's last link or DGKD's trained TAs. */
  guideRuns: RunInfo[];
  pretrainedTas: RunInfo[];
  /** Stored with the run: its identity plus what it was built from. */
  config: Record<string, unknown>;
}

/** Checks a distillation request and finds (or obtains) every run it is built from. */
async function resolveDistill(
  store: Store,
  input: unknown,
  prerequisite: Prerequisite,
  /** Queueing allows a teacher that has not finished yet. */
  teacherMayBePending = false,
): Promise<ResolvedDistill> {
  const cfg = parseDistillConfig(input);
  const dsRow = getDataset(store, cfg.dataset);
  checkCandidatesFit(dsRow, cfg.candidates);
  const teacher = resolveRun(store, cfg.teacher);
  const usable = teacherMayBePending ? ['completed', 'queued', 'running'] : ['completed'];
  if (!usable.includes(teacher.status))
    throw new InputError(`teacher run #${teacher.id} is ${teacher.status}, not completed`);
  if (teacher.datasetId !== dsRow.id)
    throw new InputError(`teacher run #${teacher.id} was trained on another dataset`);
  const dT = runDim(teacher);
  const dS = cfg.studentDim;
  if (dS >= dT)
    throw new InputError(`the student (${dS}) must be smaller than the teacher (${dT})`);
  const taDims = resolveTaDims(cfg, dT);
  const { guideRuns, pretrainedTas } = await familySpec(cfg.method).sources({
    cfg,
    flavour: KD_METHODS[cfg.method].flavour,
    teacher,
    taDims,
    obtain: prerequisite,
  });
  const config = {
    ...normalizedConfig(cfg, teacher, taDims),
    ...(cfg.label ? { label: cfg.label } : {}),
    backend: cfg.backend,
    guideRuns: guideRuns.map((r) => r.id),
    pretrainedTaRuns: pretrainedTas.map((r) => r.id),
  };
  return { cfg, teacher, dT, taDims, guideRuns, pretrainedTas, config };
}

/**
 * Queues a distillation run, queueing first any run it is built from that neither exists nor is
 * on its way; the new run depends on its teacher and on every such run.
 */
export async function queueDistill(
  store: Store,
  input: unknown,
): Promise<{ run: RunInfo; prerequisites: RunInfo[] }> {
  const prerequisites: RunInfo[] = [];
  const r = await resolveDistill(store, input, queueMissing(store, prerequisites), true);
  const sources = [r.teacher, ...r.guideRuns, ...r.pretrainedTas];
  // A results-only source is waited for through its replay, which gives it its representations.
  const deps = [...sources.map((x) => x.id), ...awaitedReplays(store, sources)];
  const run = store.write(() => {
    const row = createRun(store, {
      label: r.cfg.label,
      kind: 'distill',
      model: r.teacher.model,
      method: r.cfg.method,
      datasetId: r.teacher.datasetId,
      seed: r.teacher.seed,
      teacherRunId: r.teacher.id,
      config: r.config,
    });
    addDependencies(store, row.id, deps);
    return row;
  });
  return { run, prerequisites };
}

type Resolved = Pick<
  ResolvedDistill,
  'cfg' | 'teacher' | 'dT' | 'taDims' | 'guideRuns' | 'pretrainedTas'
>;

/** The plan of a distillation run whose sources are resolved (store's owner). */
function planResolved(store: Store, run: RunInfo, r: Resolved, resume: boolean): RunPlan {
  const { cfg, teacher } = r;
  const parts = {
    kind: 'distill' as const,
    model: teacher.model as ModelName,
    label: cfg.label ?? '',
    dim: cfg.studentDim,
    options: modelOptionsOf(teacher),
    settings: { ...cfg, seed: teacher.seed },
    dataset: getDataset(store, cfg.dataset),
    distill: {
      cfg,
      dT: r.dT,
      taDims: r.taDims,
      guides: r.guideRuns.map((g, j) =>
        guideFile(store, g, j === 0 && g.id === teacher.id ? 'teacher' : `guide${j}`),
      ),
      taGuides: r.pretrainedTas.map((g, i) => guideFile(store, g, `ta${i}`)),
    },
  };
  return makePlan(store, run, parts, resume);
}

/**
 * The plan of a stored distillation run from the sources recorded when it was created (its queue
 * dependencies): each must have completed.
 */
export function planStoredDistill(store: Store, run: RunInfo, input: unknown): RunPlan {
  const cfg = parseDistillConfig(input);
  const teacher = resolveRun(store, cfg.teacher);
  if (run.kind !== 'distill') throw new Error(`run #${run.id} is not a distillation`);
  const completed = (ids: number[] = []) =>
    ids.map((id) => {
      const r = getRun(store, id);
      if (r.status !== 'completed')
        throw new Error(`run #${run.id} is built from run #${id}, which is ${r.status}`);
      return r;
    });
  const dT = runDim(teacher);
  const resolved = {
    cfg,
    teacher,
    dT,
    taDims: resolveTaDims(cfg, dT),
    guideRuns: completed(run.config.guideRuns),
    pretrainedTas: completed(run.config.pretrainedTaRuns),
  };
  return planResolved(store, run, resolved, true);
}

/** Trains a student with one of the distillation methods, obtaining any TA runs it needs first. */
export async function runDistill(
  store: Store,
  input: unknown,
  listener: TrainListener = {},
  /** A queued run, or an interrupted or failed one to resume. */
  existing?: RunInfo,
  prerequisite: Prerequisite = trainNow(store, listener),
): Promise<DistillOutcome> {
  const r = await resolveDistill(store, input, prerequisite);
  const { cfg, teacher } = r;
  await initBackend(cfg.backend);
  const run =
    existing ??
    createRun(
      store,
      {
        label: cfg.label,
        kind: 'distill',
        model: teacher.model,
        method: cfg.method,
        datasetId: teacher.datasetId,
        seed: teacher.seed,
        teacherRunId: teacher.id,
        config: r.config,
      },
      process.pid,
    );
  const outcome = await trainHere(
    store,
    planResolved(store, run, r, existing !== undefined),
    listener,
  );
  return {
    ...outcome,
    method: cfg.method,
    teacherRunId: teacher.id,
    taDims: KD_METHODS[cfg.method].usesTas ? r.taDims : [],
  };
}
