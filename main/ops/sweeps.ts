import {
  DISTILL_ONLY_PARAMS,
  methodFacts,
  pickModelOptions,
  readsVariant,
  sweepFlag,
  SweepSpecSchema,
  TRAINING_SETTING_KEYS,
  type DistillMethod,
  type ModelName,
  type RunInfo,
  type SweepCell,
  type SweepInfo,
  type SweepMethod,
  type SweepParam,
  type SweepSpec,
  type SweepSpecInput,
  type SweepView,
} from '../contract';
import { InputError } from '../errors';
import { meanSd } from '../shared/mean-sd';
import type { Store } from '../store/db';
import { getDataset } from '../store/datasets';
import { listRuns } from '../store/runs';
import { reapInterrupted } from '../store/run-processes';
import { getSweep, insertSweep, listSweeps, type SweepRow } from '../store/sweeps';
import { parseDistillConfig } from './distill-config';
import { queueDistill, sameDistillRuns } from './distill';
import { resolveRun } from './run-ref';
import { bestPlaced, sameTrainingRuns } from './run-identity';
import { queueTraining } from './train';
import { parseConfig, parseTrainConfig } from './train-config';

// A sweep's grid resolved against the store: each cell × method × seed is the identical run
// already there (completed first) or, when asked to, a newly queued one. Nothing about which run
// belongs to a sweep is stored, so runs imported from another machine fill its cells too.

type Params = Partial<Record<SweepParam, number>>;

/** The grid's cells: every combination of the axes' values, the first axis outermost. */
export function gridCells(spec: SweepSpec): Params[] {
  return spec.axes.reduce<Params[]>(
    (cells, axis) => cells.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.param]: v }))),
    [{}],
  );
}

/** A teacher a sweep needs: the request that trains it and the run that is it, if any. */
export interface TeacherSlot {
  dim: number;
  seed: number;
  request: Record<string, unknown>;
  run?: RunInfo;
}

/** One run of the grid: a teacher's slot for the seed, and its own request (null if unknown yet). */
export interface PlannedRun {
  cell: number;
  method: SweepMethod;
  seed: number;
  teacher: TeacherSlot;
  kind: 'train' | 'distill';
  /** For a distillation: with the teacher's run id, so only known once the teacher exists. */
  request: Record<string, unknown>;
  run?: RunInfo;
}

/** "num-tas=2 lambda-t=0.01", the parameters that matter to this method. */
function paramsText(method: SweepMethod, params: Params): string {
  const facts = methodFacts(method);
  const unused = (p: SweepParam) =>
    (method === 'Student' && (p === 'teacherDim' || DISTILL_ONLY_PARAMS.includes(p))) ||
    (method === 'Teacher' && p !== 'teacherDim') ||
    (p === 'numTas' && facts && !facts.usesTas) ||
    (p === 'lambdaTa' && facts && !facts.generatesTas) ||
    (p === 'experts' && facts?.flavour === 'PHR') ||
    (facts !== undefined && !readsVariant(method as DistillMethod, p));
  return Object.entries(params)
    .filter(([p]) => !unused(p as SweepParam))
    .map(([p, v]) => `${sweepFlag(p as SweepParam)}=${v}`)
    .join(' ');
}

const label = (spec: SweepSpec, what: string, seed: number) =>
  `${spec.name}: ${what} (seed ${seed})`.slice(0, 200);

function trainingSettings(spec: SweepSpec, params: Params): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of TRAINING_SETTING_KEYS) out[k] = params[k as SweepParam] ?? spec.settings[k];
  return out;
}

/** Resolves the teacher of every (size, seed) the sweep needs, queueing the missing if asked. */
class Resolver {
  private readonly runs: RunInfo[];
  private readonly teachers = new Map<string, TeacherSlot>();
  readonly queued: number[] = [];
  private readonly fixed?: Extract<RunInfo, { kind: 'train' }>;

  constructor(
    private readonly store: Store,
    private readonly spec: SweepSpec,
    private readonly queue: boolean,
  ) {
    reapInterrupted(store);
    this.runs = listRuns(store);
    if (spec.teacher !== undefined) {
      const t = resolveRun(store, spec.teacher);
      if (t.kind !== 'train')
        throw new InputError(`run #${t.id} is a distilled student; a sweep's teacher is trained`);
      if (t.dataset !== spec.dataset)
        throw new InputError(`teacher run #${t.id} was trained on '${t.dataset}'`);
      this.fixed = t;
    }
  }

  get model(): ModelName {
    return (this.fixed?.model as ModelName | undefined) ?? this.spec.model;
  }

  teacher(params: Params, seed: number): TeacherSlot {
    const f = this.fixed;
    const dim = f ? f.config.dim : (params.teacherDim ?? this.spec.teacherDim!);
    const key = `${dim} ${seed}`;
    const known = this.teachers.get(key);
    if (known) return known;
    const request = f
      ? { ...f.config, seed, label: label(this.spec, `teacher #${f.id}'s twin`, seed) }
      : {
          dataset: this.spec.dataset,
          model: this.spec.model,
          dim,
          seed,
          ...trainingSettings(this.spec, {}),
          label: label(this.spec, `teacher d=${dim}`, seed),
        };
    const slot: TeacherSlot = {
      dim,
      seed,
      request,
      run: f && f.seed === seed ? f : this.trained(request),
    };
    this.teachers.set(key, slot);
    return slot;
  }

  /** The identical base-model run, or a new queued one if asked. */
  trained(request: Record<string, unknown>): RunInfo | undefined {
    const found = bestPlaced(sameTrainingRuns(this.store, parseTrainConfig(request), this.runs));
    if (found || !this.queue) return found;
    return this.add(queueTraining(this.store, request));
  }

  /** The identical distillation run, or a new queued one (with what it needs) if asked. */
  async distilled(request: Record<string, unknown>): Promise<RunInfo | undefined> {
    const found = bestPlaced(sameDistillRuns(this.store, parseDistillConfig(request), this.runs));
    if (found || !this.queue) return found;
    const q = await queueDistill(this.store, request);
    q.prerequisites.forEach((r) => this.add(r));
    return this.add(q.run);
  }

  private add(run: RunInfo): RunInfo {
    this.runs.push(run);
    this.queued.push(run.id);
    return run;
  }

  plainStudent(params: Params, seed: number): Record<string, unknown> {
    const f = this.fixed;
    return {
      dataset: this.spec.dataset,
      model: this.model,
      dim: params.studentDim ?? this.spec.studentDim,
      seed,
      ...(f ? pickModelOptions(f.config) : {}),
      ...trainingSettings(this.spec, params),
      label: label(this.spec, `student ${paramsText('Student', params)}`.trim(), seed),
    };
  }
}

function distillRequest(
  spec: SweepSpec,
  method: DistillMethod,
  params: Params,
  teacher: TeacherSlot,
): Record<string, unknown> {
  const overrides = Object.fromEntries(
    Object.entries(params).filter(([p]) => p !== 'teacherDim' && p !== 'studentDim'),
  );
  // A variant of HyperKDMA (or of DE's annealing) leaves the other methods as they are.
  const settings = Object.fromEntries(
    Object.entries({ ...spec.settings, ...overrides }).filter(([k]) => readsVariant(method, k)),
  );
  return {
    dataset: spec.dataset,
    teacher: teacher.run?.id ?? 0,
    method,
    studentDim: params.studentDim ?? spec.studentDim,
    ...settings,
    label: label(spec, `${method} ${paramsText(method, params)}`.trim(), teacher.seed),
  };
}

/**
 * Checks one run the sweep describes before anything looks it up: a valid request (named by its
 * cell) whose student is smaller than its teacher.
 */
function checkPlanned(spec: SweepSpec, p: Omit<PlannedRun, 'run'>, params: Params): void {
  const where = `${p.method} ${paramsText(p.method, params)}`.trim();
  const fail = (why: string) => new InputError(`sweep '${spec.name}', ${where}: ${why}`);
  try {
    // A teacher not trained yet has no id: any stands in for the check.
    if (p.kind === 'train') parseTrainConfig(p.request);
    else parseDistillConfig({ ...p.request, teacher: 1 });
  } catch (e) {
    throw fail((e as Error).message);
  }
  const dS = p.request.studentDim as number;
  if (p.kind === 'distill' && dS >= p.teacher.dim)
    throw fail(`the student (${dS}) must be smaller than the teacher (${p.teacher.dim})`);
}

/** Every run of the grid, checked, then found (or queued, if `queue`) in the store. */
async function resolveGrid(store: Store, spec: SweepSpec, queue: boolean) {
  const r = new Resolver(store, spec, queue);
  const planned: PlannedRun[] = [];
  const cells = gridCells(spec);
  for (const [cell, params] of cells.entries())
    for (const method of spec.methods)
      for (const seed of spec.seeds) {
        const teacher = r.teacher(params, seed);
        const base = { cell, method, seed, teacher };
        const p: Omit<PlannedRun, 'run'> =
          method === 'Teacher'
            ? { ...base, kind: 'train', request: teacher.request }
            : method === 'Student'
              ? { ...base, kind: 'train', request: r.plainStudent(params, seed) }
              : {
                  ...base,
                  kind: 'distill',
                  request: distillRequest(spec, method, params, teacher),
                };
        checkPlanned(spec, p, params);
        const run =
          method === 'Teacher'
            ? teacher.run
            : p.kind === 'train'
              ? r.trained(p.request)
              : teacher.run && (await r.distilled(p.request));
        planned.push({ ...p, run });
      }
  return { cells, planned, queued: r.queued };
}

/** Records a sweep; with `queue`, queues every run of its grid that is not there yet. */
export async function createSweep(
  store: Store,
  input: SweepSpecInput,
  queue: boolean,
): Promise<{ sweepId: number; runs: number[]; queued: number[] }> {
  const parsed = parseConfig(SweepSpecSchema, input, 'sweep');
  // A label or uid names a run now; the sweep keeps meaning that run when another takes the label.
  const spec =
    parsed.teacher === undefined
      ? parsed
      : { ...parsed, teacher: resolveRun(store, parsed.teacher).id };
  const dataset = getDataset(store, spec.dataset);
  await resolveGrid(store, spec, false);
  const row = insertSweep(store, dataset.id, spec);
  return { sweepId: row.id, ...(await fill(store, row, queue)) };
}

/** Queues the runs of a sweep's grid that are missing (deleted, failed, or never queued). */
export async function queueSweep(store: Store, id: number) {
  return fill(store, getSweep(store, id), true);
}

async function fill(store: Store, row: SweepRow, queue: boolean) {
  const { planned, queued } = await resolveGrid(store, row.spec, queue);
  const runs = [...new Set(planned.flatMap((p) => (p.run ? [p.run.id] : [])))];
  return { runs, queued };
}

const METRIC_KEYS = ['H5', 'N5', 'H10', 'N10'] as const;

/** A sweep's grid with each cell's runs and test metrics (mean ± sd over completed seeds). */
export async function sweepView(store: Store, id: number): Promise<SweepView> {
  const row = getSweep(store, id);
  const { cells, planned } = await resolveGrid(store, row.spec, false);
  const out: SweepCell[] = [];
  for (const [i, params] of cells.entries())
    for (const method of row.spec.methods) {
      const mine = planned.filter((p) => p.cell === i && p.method === method);
      const done = mine.flatMap((p) => (p.run?.summary ? [p.run.summary.test] : []));
      const stats = Object.fromEntries(
        METRIC_KEYS.map((k) => [k, meanSd(done.map((t) => t[k]))]),
      ) as Pick<SweepCell, (typeof METRIC_KEYS)[number]>;
      out.push({
        params,
        method,
        runs: mine.flatMap((p) =>
          p.run ? [{ seed: p.seed, id: p.run.id, status: p.run.status }] : [],
        ),
        missingSeeds: mine.filter((p) => !p.run).map((p) => p.seed),
        ...stats,
      });
    }
  return { ...info(row, planned), axes: row.spec.axes, methods: row.spec.methods, cells: out };
}

/**
 * The grid's runs, each once: a run's label names what defines it (the parameters its method
 * takes), so cells that describe one run — DE in every column of a TA-count sweep — share it.
 */
function distinctRuns(planned: PlannedRun[]): PlannedRun[] {
  const seen = new Set<string>();
  return planned.filter((p) => {
    const key = `${p.kind} ${p.teacher.dim} ${p.teacher.seed} ${String(p.request.label)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function info(row: SweepRow, planned: PlannedRun[]): SweepInfo {
  const runs = distinctRuns(planned);
  return {
    id: row.id,
    name: row.name,
    dataset: row.dataset,
    createdAt: row.createdAt,
    spec: row.spec,
    total: runs.length,
    completed: runs.filter((p) => p.run?.status === 'completed').length,
  };
}

export async function sweepList(store: Store): Promise<SweepInfo[]> {
  const out: SweepInfo[] = [];
  for (const row of listSweeps(store))
    out.push(info(row, (await resolveGrid(store, row.spec, false)).planned));
  return out;
}

/** The runs of a sweep's grid that have not completed, each once, teachers first. */
export async function unfinishedRuns(store: Store, id: number): Promise<PlannedRun[]> {
  const row = getSweep(store, id);
  const { planned } = await resolveGrid(store, row.spec, false);
  return distinctRuns(planned).filter((p) => p.run?.status !== 'completed');
}
