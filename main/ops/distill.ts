import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { GradScope } from '../engine/grad-scope';
import { gumbelFrom } from '../engine/kd/de';
import { DistilledStudent } from '../engine/kd/distilled-student';
import type { Distiller } from '../engine/kd/distiller';
import { frozenGuide, GuideKD, type Guide, type KDFlavour } from '../engine/kd/guide';
import { GuidedDistiller, parseDropRule } from '../engine/kd/guided';
import { HyperKDMA, type TaSource } from '../engine/kd/hyperkdma';
import { taSizes } from '../engine/kd/ta-sizes';
import { createModel, type ModelName } from '../engine/models/registry';
import type { Recommender } from '../engine/models/model';
import { pickModelOptions, representationWidth, type ModelOptions } from '../contract';
import { InputError, NotFoundError } from '../errors';
import { readArrayFile } from '../store/array-file';
import { findArtifact } from '../store/artifacts';
import type { Store } from '../store/db';
import { checkCandidatesFit, getDataset } from '../store/datasets';
import { addDependencies } from '../store/queue';
import { createRun, getRun, listRuns, reapInterrupted, type RunRow } from '../store/runs';
import { parseDistillConfig, type DistillConfig, type DistillMethod } from './distill-config';
import {
  executeRun,
  type ExtraArtifact,
  type RunContext,
  type TrainListener,
  type TrainOutcome,
} from './execute';

export interface DistillOutcome extends TrainOutcome {
  method: DistillMethod;
  teacherRunId: number;
  taDims: number[];
}

type Family = 'plain' | 'HyperKDMA' | 'TAKD' | 'DGKD';

function family(m: DistillMethod): Family {
  if (m === 'DE' || m === 'PHR') return 'plain';
  return m.split('-')[0] as Family;
}

const flavourOf = (m: DistillMethod): KDFlavour => (m.endsWith('PHR') ? 'PHR' : 'DE');

/** The embedding size a completed run produced. */
export function runDim(r: RunRow): number {
  return (r.kind === 'train' ? r.config.dim : r.config.studentDim) as number;
}

/** A run id, or the label of the latest completed run carrying it. */
export function resolveRun(store: Store, ref: number | string): RunRow {
  const id = typeof ref === 'number' ? ref : /^\d+$/.test(ref) ? Number(ref) : undefined;
  if (id !== undefined) return getRun(store, id);
  const byLabel = listRuns(store).filter((r) => r.label === ref && r.status === 'completed');
  if (byLabel.length === 0) throw new NotFoundError(`completed run labelled '${ref}'`);
  return byLabel[byLabel.length - 1];
}

export function loadGuide(store: Store, run: RunRow, name: string): Guide {
  const a = findArtifact(store, { runId: run.id }, 'embeddings');
  if (!a) throw new NotFoundError(`embeddings of run #${run.id}`);
  const f = readArrayFile(join(store.home, a.path));
  const width = representationWidth(run.model as ModelName, modelOptionsOf(run), runDim(run));
  return frozenGuide(name, width, { users: f.get('users'), items: f.get('items') });
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
  teacher: RunRow,
  taDims: number[],
): Record<string, unknown> {
  const fam = family(cfg.method);
  const flavour = flavourOf(cfg.method);
  const base: Record<string, unknown> = {
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
    candidates: cfg.candidates,
    ties: cfg.ties,
  };
  if (flavour === 'DE' || (fam === 'HyperKDMA' && cfg.taSource === 'pretrained'))
    base.experts = cfg.experts;
  if (flavour === 'PHR') base.phrEnrich = cfg.phrEnrich;
  if (flavour === 'DE' && fam === 'HyperKDMA') base.experts = cfg.experts;
  if (fam !== 'plain') base.taDims = taDims;
  if (fam === 'HyperKDMA')
    Object.assign(base, { lambdaTa: cfg.lambdaTa, gate: cfg.gate, taSource: cfg.taSource });
  if (fam === 'DGKD') base.dgkdDrop = cfg.dgkdDrop;
  const options = modelOptionsOf(teacher);
  if (Object.keys(options).length > 0) base.modelOptions = options;
  return base;
}

/** The base model's own options: a student and its TAs take its teacher's. */
export function modelOptionsOf(run: RunRow): ModelOptions {
  return run.kind === 'train'
    ? pickModelOptions(run.config)
    : ((run.config.modelOptions as ModelOptions | undefined) ?? {});
}

/** Stored with a run but not part of what defines it. */
const NOT_IDENTITY = new Set(['label', 'backend', 'guideRuns', 'pretrainedTaRuns']);

const canonical = (c: Record<string, unknown>): string =>
  JSON.stringify(
    Object.keys(c)
      .filter((k) => !NOT_IDENTITY.has(k))
      .sort()
      .map((k) => [k, c[k]]),
  );

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
export type Prerequisite = (cfg: DistillConfig) => Promise<RunRow>;

/** Runs with exactly this configuration (same teacher, same identity fields). */
function sameRuns(store: Store, cfg: DistillConfig): RunRow[] {
  const teacher = resolveRun(store, cfg.teacher);
  const key = canonical(normalizedConfig(cfg, teacher, resolveTaDims(cfg, runDim(teacher))));
  reapInterrupted(store);
  return listRuns(store).filter(
    (r) => r.kind === 'distill' && r.teacherRunId === teacher.id && canonical(r.config) === key,
  );
}

/** In-process: an identical completed run, an interrupted one resumed, or a new one trained now. */
export const trainNow =
  (store: Store, listener: TrainListener): Prerequisite =>
  async (cfg) => {
    const same = sameRuns(store, cfg);
    const done = same.find((r) => r.status === 'completed');
    if (done) return done;
    const broken = same.find((r) => r.status === 'interrupted');
    return (await runDistill(store, cfg, listener, broken)).run;
  };

/** In a trainer process: the runner queued every prerequisite first and started this run last. */
export const requireCompleted =
  (store: Store): Prerequisite =>
  (cfg) => {
    const done = sameRuns(store, cfg).find((r) => r.status === 'completed');
    if (!done) throw new Error(`a prerequisite run (${cfg.method} ${cfg.studentDim}) is missing`);
    return Promise.resolve(done);
  };

/** For the queue: an identical run that is done or on its way, or a new queued one. */
export const queueMissing =
  (store: Store, queued: RunRow[]): Prerequisite =>
  async (cfg) => {
    const same = sameRuns(store, cfg);
    const rank = ['completed', 'running', 'queued', 'interrupted'];
    const found = same
      .filter((r) => rank.includes(r.status))
      .sort((x, y) => rank.indexOf(x.status) - rank.indexOf(y.status))[0];
    if (found) return found;
    const { run } = await queueDistill(store, cfg);
    queued.push(run);
    return run;
  };

interface ResolvedDistill {
  cfg: DistillConfig;
  teacher: RunRow;
  dT: number;
  taDims: number[];
  /** Frozen guides: the teacher first, then TAKD's last link or DGKD's trained TAs. */
  guideRuns: RunRow[];
  pretrainedTas: RunRow[];
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
  const fam = family(cfg.method);
  const flavour = flavourOf(cfg.method);
  const sub = (over: Partial<DistillConfig>): DistillConfig => ({ ...cfg, ...over });

  let guideRuns: RunRow[] = [teacher];
  const pretrainedTas: RunRow[] = [];
  if (fam === 'TAKD') {
    let prev = teacher;
    for (const d of [...taDims].sort((a, b) => b - a)) {
      prev = await prerequisite(
        sub({
          method: flavour,
          teacher: prev.id,
          studentDim: d,
          taDims: undefined,
          label: `${cfg.method} link ${d}`,
        }),
      );
    }
    guideRuns = [prev];
  } else if (fam === 'DGKD') {
    const desc = [...taDims].sort((a, b) => b - a);
    const tas: RunRow[] = [];
    for (let k = 0; k < desc.length; k++) {
      tas.push(
        await prerequisite(
          sub({
            teacher: teacher.id,
            studentDim: desc[k],
            taDims: desc.slice(0, k),
            label: `${cfg.method} TA ${desc[k]}`,
          }),
        ),
      );
    }
    guideRuns = [teacher, ...tas];
  } else if (fam === 'HyperKDMA' && cfg.taSource === 'pretrained' && taDims.length > 0) {
    for (const d of taDims) {
      pretrainedTas.push(
        await prerequisite(
          sub({
            method: flavour,
            teacher: teacher.id,
            studentDim: d,
            taDims: undefined,
            label: `${cfg.method} pretrained TA ${d}`,
          }),
        ),
      );
    }
  }
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
): Promise<{ run: RunRow; prerequisites: RunRow[] }> {
  const prerequisites: RunRow[] = [];
  const r = await resolveDistill(store, input, queueMissing(store, prerequisites), true);
  const deps = [r.teacher, ...r.guideRuns, ...r.pretrainedTas].map((x) => x.id);
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

/** Trains a student with one of the distillation methods, obtaining any TA runs it needs first. */
export async function runDistill(
  store: Store,
  input: unknown,
  listener: TrainListener = {},
  /** A queued run, or an interrupted or failed one to resume. */
  existing?: RunRow,
  prerequisite: Prerequisite = trainNow(store, listener),
): Promise<DistillOutcome> {
  const r = await resolveDistill(store, input, prerequisite);
  const { cfg, teacher, dT, taDims } = r;
  const model = teacher.model as ModelName;
  const guides = r.guideRuns.map((g, j) =>
    loadGuide(store, g, j === 0 && g.id === teacher.id ? 'teacher' : `guide${j}`),
  );
  const taGuides = r.pretrainedTas.map((g, i) => loadGuide(store, g, `ta${i}`));
  const build = (ctx: RunContext): Recommender =>
    buildDistilledStudent(
      { cfg, model, options: modelOptionsOf(teacher), dT, taDims, guides, taGuides },
      ctx,
    );

  const outcome = await executeRun(
    store,
    {
      kind: 'distill',
      model,
      method: cfg.method,
      label: cfg.label,
      dataset: cfg.dataset,
      teacherRunId: teacher.id,
      dim: cfg.studentDim,
      settings: { ...cfg, seed: teacher.seed },
      config: r.config,
      build,
      extraArtifacts: (m, ctx): Record<string, ExtraArtifact> => {
        const d = (m as DistilledStudent).distiller;
        return d instanceof HyperKDMA ? { gates: gateArtifact(d, ctx) } : {};
      },
    },
    listener,
    existing,
  );
  return {
    ...outcome,
    method: cfg.method,
    teacherRunId: teacher.id,
    taDims: family(cfg.method) === 'plain' ? [] : taDims,
  };
}

const GATE_CHUNK = 2048;

/**
 * Every user's and item's gate weights and TA-embedding norms at the best epoch, one row per
 * entity, so the workbench can read one entity's row alone.
 */
function gateArtifact(h: HyperKDMA, ctx: RunContext) {
  const m = h.m;
  const compute = (n: number, set: 'users' | 'pos') => {
    const gates = new Float32Array(n * m);
    const norms = new Float32Array(n * m);
    const scope = new GradScope();
    for (let s = 0; s < n; s += GATE_CHUNK) {
      const ids = Int32Array.from({ length: Math.min(GATE_CHUNK, n - s) }, (_, k) => s + k);
      tf.tidy(() => {
        const hT = scope.rows(
          set === 'users' ? h.teacherKD.guide.users : h.teacherKD.guide.items,
          ids,
        );
        gates.set(h.gates(scope, hT).dataSync(), s * m);
        const tas = h.taRepresentations(scope, { [set]: ids }, hT);
        norms.set(
          tf
            .stack(
              tas.map((t) => tf.sqrt(tf.sum(tf.square(t), 1))),
              1,
            )
            .dataSync(),
          s * m,
        );
      });
    }
    return { gates, norms };
  };
  const u = compute(ctx.dataset.nUsers, 'users');
  const i = compute(ctx.dataset.nItems, 'pos');
  return {
    arrays: {
      userGates: { data: u.gates, shape: [ctx.dataset.nUsers, m] },
      itemGates: { data: i.gates, shape: [ctx.dataset.nItems, m] },
      userTaNorms: { data: u.norms, shape: [ctx.dataset.nUsers, m] },
      itemTaNorms: { data: i.norms, shape: [ctx.dataset.nItems, m] },
    },
    meta: { taDims: h.opts.taDims },
  };
}

/** What a distilled student is built from, resolved from its configuration and stored runs. */
export interface DistillPlan {
  cfg: DistillConfig;
  model: ModelName;
  /** The teacher's model options, shared by the student. */
  options: ModelOptions;
  dT: number;
  taDims: number[];
  /** Frozen guides: the teacher first, then TAKD's previous link or DGKD's trained TAs. */
  guides: Guide[];
  /** Frozen TA models for the "w/o HNet (pretrained)" ablation. */
  taGuides: Guide[];
}

/** The student and distillation objective of a plan (also used by the benchmark). */
export function buildDistilledStudent(plan: DistillPlan, ctx: RunContext): DistilledStudent {
  const { cfg, model, options, taDims, guides, taGuides } = plan;
  // KD works on representations: the same as the model sizes except for NeuMF's [GMF; MLP].
  const width = (d: number) => representationWidth(model, options, d);
  const dS = width(cfg.studentDim);
  const dT = width(plan.dT);
  const fam = family(cfg.method);
  const flavour = flavourOf(cfg.method);
  const student = createModel(model, {
    nUsers: ctx.dataset.nUsers,
    nItems: ctx.dataset.nItems,
    dim: cfg.studentDim,
    train: ctx.train,
    rng: ctx.initRng,
    noise: ctx.noiseRng,
    options,
  });
  const guideKD = (g: Guide, j: number) =>
    new GuideKD(
      j === 0 ? `teacher_${flavour.toLowerCase()}` : `guide${j}_${flavour.toLowerCase()}`,
      g,
      flavour,
      dS,
      { experts: cfg.experts, enrichment: cfg.phrEnrich, train: ctx.train },
      ctx.initRng,
    );
  let distiller: Distiller;
  if (fam === 'HyperKDMA' && taDims.length > 0) {
    const taSource: TaSource =
      cfg.taSource === 'pretrained'
        ? { kind: 'pretrained', guides: taGuides }
        : { kind: cfg.taSource };
    distiller = new HyperKDMA(
      guideKD(guides[0], 0),
      {
        flavour,
        dT,
        dS,
        taDims: taDims.map(width),
        experts: cfg.experts,
        lambdaT: cfg.lambdaT,
        lambdaTA: cfg.lambdaTa,
        itemWeight: cfg.itemWeight,
        taSource,
        gate: cfg.gate,
      },
      ctx.initRng,
    );
  } else {
    // HyperKDMA without any TA (teacher too small for Eq. 20) reduces to DE/PHR.
    const drop = fam === 'DGKD' ? parseDropRule(cfg.dgkdDrop) : undefined;
    distiller = new GuidedDistiller(
      guides.map(guideKD),
      cfg.lambdaT,
      cfg.itemWeight,
      drop,
      ctx.noiseRng,
    );
  }
  return new DistilledStudent(student, distiller, gumbelFrom(ctx.noiseRng));
}
