import { z } from 'zod';
import {
  BUNDLED_NAMES,
  EARLY_STOP_RULES,
  FORMATS,
  SHIPPED_DOCS,
  type ShippedDoc,
} from './vocabulary';
import {
  DistillConfigSchema,
  int,
  SEED_MAX,
  stoppingLimits,
  TrainConfigSchema,
} from './run-config';
import { GATE_ORDERS } from './wire';
import {
  ClusterRequestSchema,
  UserRequestSchema,
  type ClusterAnalysis,
  type UserAnalysis,
} from './analyses';
import {
  PLAN_FORMATS,
  SweepSpecSchema,
  type SweepInfo,
  type SweepPlan,
  type SweepView,
} from './sweeps';
import type {
  DatasetInfo,
  EntityDetail,
  EpochInfo,
  GateRow,
  GateSummary,
  JobInfo,
  Lineage,
  PairedComparison,
  Progress,
  RunDetail,
  RunInfo,
  SystemInfo,
} from './wire';

// Every operation a face may call: its request schema, its response, errors and pushed events.

const runId = int(1, SEED_MAX);

/** One experiment repeated with more seeds than this is a typo, not a protocol. */
const MAX_SEEDS = 32;

export interface Repetition {
  /** One run per seed, in the order asked: the student (or base model) of that seed. */
  runs: { seed: number; id: number; queued: boolean }[];
  /** Everything queued, prerequisites (teachers, TA runs) first. */
  queued: number[];
}

/** "0-4", "1,3,5" or "0-2,7" as a list of seeds, or a reason it is not one. */
export function parseSeeds(text: string): number[] | string {
  const seeds: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const m = /^(\d{1,10})(?:\s*-\s*(\d{1,10}))?$/.exec(part);
    if (!m) return `"${part}" is not a seed or a range a-b`;
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (b < a) return `the range ${part} runs backwards`;
    if (b > SEED_MAX) return `seeds go up to ${SEED_MAX}`;
    if (b - a + 1 + seeds.length > MAX_SEEDS) return `at most ${MAX_SEEDS} seeds at once`;
    for (let x = a; x <= b; x++) if (!seeds.includes(x)) seeds.push(x);
  }
  return seeds;
}
/** Users × items a synthetic dataset may have: the generator takes ~1 min at the limit here. */
export const SYNTH_MAX_WORK = 150_000_000;
/** A dataset's name: it is also typed in commands and shown in tables. */
export const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const DATASET_NAME_RULE = "letters, digits, '.', '_' or '-' (max 64)";
const datasetName = z.string().regex(DATASET_NAME, DATASET_NAME_RULE);
/** A file the user picked in a dialog, dropped, or uploaded: never a path typed by the page. */
const fileGrant = z.string().uuid();
const none = z.object({}).strict();

export const REQUESTS = {
  'system.info': none,
  'datasets.list': none,
  'datasets.get': z.object({ name: z.string().min(1).max(64) }).strict(),
  'datasets.peek': z.object({ file: fileGrant, lines: int(1, 100).default(10) }).strict(),
  'datasets.import': z
    .object({
      file: fileGrant,
      name: datasetName,
      format: z.enum(FORMATS).default('auto'),
      minUser: int(0, 1_000_000).default(5),
      minItem: int(0, 1_000_000).default(0),
      /** CSV/TSV: the user and item columns, by header name or 1-based position. */
      userCol: z.string().min(1).max(256).optional(),
      itemCol: z.string().min(1).max(256).optional(),
      /** Parse and filter only, to show the resulting statistics before committing. */
      preview: z.boolean().default(false),
    })
    .strict(),
  /** Imports a shipped dataset (its file, format and the ≥ 5 rule) under its own name. */
  'datasets.importBundled': z.object({ name: z.enum(BUNDLED_NAMES) }).strict(),
  /** Refused while runs use it. */
  'datasets.delete': z.object({ name: z.string().min(1).max(64) }).strict(),
  'datasets.synth': z
    .object({
      name: datasetName,
      users: int(10, 200_000).default(1000),
      items: int(600, 1_000_000).default(1500),
      seed: int(0, SEED_MAX).default(0),
    })
    .strict()
    .refine((r) => r.users * r.items <= SYNTH_MAX_WORK, {
      message: `users × items must be at most ${SYNTH_MAX_WORK.toExponential()}`,
      path: ['users'],
    }),
  'jobs.get': z.object({ id: z.string().uuid() }).strict(),
  'jobs.cancel': z.object({ id: z.string().uuid() }).strict(),
  'runs.list': none,
  /** The queued runs' ids in the order they start. */
  'runs.queue': none,
  'runs.get': z.object({ id: runId }).strict(),
  'runs.epochs': z.object({ id: runId, from: int(0, 100_000).default(0) }).strict(),
  'runs.train': TrainConfigSchema,
  'runs.distill': DistillConfigSchema,
  'runs.cancel': z.object({ id: runId }).strict(),
  'runs.resume': z.object({ id: runId }).strict(),
  /** Queued runs to start before the others, in this order (each after its queued sources). */
  'runs.runNext': z.object({ ids: z.array(runId).min(1).max(1000) }).strict(),
  'runs.extend': z
    .object({
      id: runId,
      patience: stoppingLimits.patience.optional(),
      maxEpochs: stoppingLimits.maxEpochs.optional(),
    })
    .strict(),
  /** A new run continuing a finished one's last epoch under new stopping rules (ops/branch.ts). */
  'runs.branch': z
    .object({
      id: runId,
      patience: stoppingLimits.patience.optional(),
      maxEpochs: stoppingLimits.maxEpochs.optional(),
      earlyStop: z.enum(EARLY_STOP_RULES).optional(),
      label: z.string().min(1).max(200).optional(),
    })
    .strict(),
  /** A recorded run trained again, epoch for epoch, to restore its files (ops/replay.ts). */
  'runs.replay': z.object({ id: runId }).strict(),
  'runs.discardState': z.object({ id: runId }).strict(),
  /** Of every completed and cancelled run. */
  'runs.discardAllStates': none,
  'runs.rerun': z.object({ id: runId }).strict(),
  'runs.repeat': z
    .object({ id: runId, seeds: z.array(int(0, SEED_MAX)).min(1).max(MAX_SEEDS) })
    .strict(),
  'runs.delete': z.object({ id: runId }).strict(),
  'queue.configure': z.object({ concurrency: int(1, 16) }).strict(),
  'ta.sizes': z
    .object({ teacherDim: int(2, 4096), studentDim: int(1, 4095), numTas: int(1, 64) })
    .strict(),
  'gates.entity': z
    .object({ run: runId, kind: z.enum(['user', 'item']), id: int(0, SEED_MAX) })
    .strict(),
  'gates.summary': z.object({ run: runId, kind: z.enum(['user', 'item']) }).strict(),
  'gates.rows': z
    .object({
      run: runId,
      kind: z.enum(['user', 'item']),
      order: z.enum(GATE_ORDERS).default('dominant'),
      offset: int(0, SEED_MAX).default(0),
      limit: int(1, 5000).default(500),
    })
    .strict(),
  'gates.detail': z
    .object({ run: runId, kind: z.enum(['user', 'item']), id: int(0, SEED_MAX) })
    .strict(),
  /** Every entity's TA weights as a file: `kind,id,w1..wm` rows, or `{runId, taDims, rows}`. */
  'gates.export': z
    .object({
      run: runId,
      format: z.enum(['csv', 'json']).default('csv'),
      only: z.enum(['users', 'items']).optional(),
    })
    .strict(),
  'runs.lineage': z.object({ id: runId }).strict(),
  /** One of the documents shipped with the app, as Markdown with its figures inlined. */
  'docs.get': z.object({ name: z.enum(SHIPPED_DOCS) }).strict(),
  /** Records a sweep; `queue`: also queues every run of its grid not there yet. */
  'sweeps.create': z.object({ spec: SweepSpecSchema, queue: z.boolean().default(false) }).strict(),
  'sweeps.list': none,
  'sweeps.get': z.object({ id: runId }).strict(),
  /** Queues the runs of its grid that are missing (never queued, deleted, failed). */
  'sweeps.queue': z.object({ id: runId }).strict(),
  /** Its unfinished runs as a script for another machine (`shell`) or a Slurm array job. */
  'sweeps.plan': z.object({ id: runId, format: z.enum(PLAN_FORMATS).default('shell') }).strict(),
  /** The teacher's user clusters carried into each run (and a 2-D projection, if asked). */
  'analysis.clusters': ClusterRequestSchema,
  /** Each user's test rank under each run, and test H@5 by user activity. */
  'analysis.users': UserRequestSchema,
  /** Forgets the sweep; its runs stay. */
  'sweeps.delete': z.object({ id: runId }).strict(),
  'compare.paired': z
    .object({ a: runId, b: runId, k: z.union([z.literal(5), z.literal(10), z.literal(20)]) })
    .strict(),
} as const;

export type Op = keyof typeof REQUESTS;
/** What a caller sends (defaults may be left out). */
export type Request<K extends Op> = z.input<(typeof REQUESTS)[K]>;
/** What a handler receives (validated, defaults filled). */
export type ValidRequest<K extends Op> = z.output<(typeof REQUESTS)[K]>;

export interface Responses {
  'system.info': SystemInfo;
  'datasets.list': DatasetInfo[];
  'datasets.get': DatasetInfo;
  'datasets.peek': { format: string; lines: string[] };
  'datasets.import': JobInfo;
  'datasets.importBundled': JobInfo;
  'datasets.synth': JobInfo;
  'datasets.delete': { deleted: string };
  'jobs.get': JobInfo;
  'jobs.cancel': JobInfo;
  /** `queue`: the queued runs' ids in the order they start. */
  'runs.list': { runs: RunInfo[]; progress: Record<number, Progress>; queue: number[] };
  'runs.queue': { queue: number[] };
  'runs.get': RunDetail;
  'runs.epochs': EpochInfo[];
  'runs.train': { queued: number[] };
  'runs.distill': { queued: number[] };
  'runs.cancel': RunInfo;
  'runs.resume': RunInfo;
  /** The queued runs' ids in the order they start. */
  'runs.runNext': { queue: number[] };
  'runs.extend': RunInfo;
  /** The new run, queued. */
  'runs.branch': RunInfo;
  'runs.replay': RunInfo;
  'runs.discardState': { freedBytes: number };
  'runs.discardAllStates': { runs: number[]; freedBytes: number };
  'runs.rerun': { queued: number[] };
  'runs.repeat': Repetition;
  'runs.delete': { deleted: number };
  'queue.configure': { concurrency: number };
  'ta.sizes': { sizes: number[]; raw: number[] };
  'gates.entity': { weights: number[]; taNorms: number[]; taDims: number[] };
  'gates.summary': GateSummary;
  'gates.rows': { total: number; m: number; rows: GateRow[] };
  'gates.detail': EntityDetail;
  'gates.export': { text: string };
  'runs.lineage': Lineage;
  'docs.get': { name: ShippedDoc; markdown: string };
  'sweeps.create': { sweepId: number; runs: number[]; queued: number[] };
  'sweeps.list': SweepInfo[];
  'sweeps.get': SweepView;
  'sweeps.queue': { runs: number[]; queued: number[] };
  'sweeps.plan': SweepPlan;
  'sweeps.delete': { deleted: number };
  'analysis.clusters': ClusterAnalysis;
  'analysis.users': UserAnalysis;
  'compare.paired': PairedComparison;
}

/** `storage`: the store or a file could not be written (disk full, read-only); retry once fixed. */
export type ApiErrorKind = 'invalid' | 'not-found' | 'conflict' | 'storage' | 'internal';

export interface ApiError {
  kind: ApiErrorKind;
  message: string;
  /** For `invalid`: one entry per offending field. */
  issues?: { path: string; message: string }[];
}

export type ApiResult<K extends Op> =
  { ok: true; value: Responses[K] } | { ok: false; error: ApiError };

/** Pushed to every face: run status changes, epochs and progress (deltas), job progress. */
export type ApiEvent =
  | { type: 'run'; run: RunInfo }
  /** Runs that are gone: deleted by another process, or replays folded into their runs. */
  | { type: 'removed'; ids: number[] }
  | { type: 'epoch'; runId: number; record: EpochInfo }
  | ({ type: 'progress'; runId: number } & Progress)
  | { type: 'job'; job: JobInfo }
  /** Datasets changed outside this window (another process imported one). */
  | { type: 'datasets' }
  /** The store cannot be written (disk full, read-only): why; null once it can again. */
  | { type: 'storage'; problem: string | null };

/** The client each face gets. */
export interface ApiClient {
  call<K extends Op>(op: K, request: Request<K>): Promise<ApiResult<K>>;
  subscribe(f: (e: ApiEvent) => void): () => void;
}
