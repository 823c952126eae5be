import { z } from 'zod';
import { DISTILL_METHODS } from './kd-methods';
import { DistillConfigSchema, int, SEED_MAX } from './run-config';
import { kebab, MODEL_NAMES, type RunStatus } from './vocabulary';

// A sweep: the paper's figures as one definition — runs over a grid of one or two parameters ×
// methods × seeds (METHOD.md §7.1 items 2–4). Its runs are ordinary runs, found by what defines
// them; the sweep stores only its definition.

/**
 * What a sweep can vary. `teacherDim` trains a teacher per value; the others apply to the
 * students (distilled and plain); teachers keep the sweep's settings.
 */
export const SWEEP_PARAMS = [
  'teacherDim',
  'studentDim',
  'numTas',
  'lambdaT',
  'lambdaTa',
  'experts',
  'itemWeight',
  'lr',
  'reg',
  'batch',
  'neg',
  'hyperLr',
  'hyperDecay',
  'taAnchor',
  'annealEpochs',
] as const;
export type SweepParam = (typeof SWEEP_PARAMS)[number];

/** Parameters only the distillation runs take (a plain student ignores them). */
export const DISTILL_ONLY_PARAMS: readonly SweepParam[] = [
  'numTas',
  'lambdaT',
  'lambdaTa',
  'experts',
  'itemWeight',
  'hyperLr',
  'hyperDecay',
  'taAnchor',
  'annealEpochs',
];

/** How a parameter is typed on the command line: `num-tas`, `lambda-t`. */
export const sweepFlag = (p: SweepParam): string => kebab(p);

/** The teacher and the plain student, plotted beside the methods (Figs. 1 and 3). */
export const SWEEP_BASELINES = ['Teacher', 'Student'] as const;
export const SWEEP_METHODS = [...SWEEP_BASELINES, ...DISTILL_METHODS] as const;
export type SweepMethod = (typeof SWEEP_METHODS)[number];

/** Settings every run of a sweep takes besides what its axes vary: stored filled in, so a sweep
 * keeps meaning the same runs when a default changes. */
export const SweepSettingsSchema = DistillConfigSchema.pick({
  numTas: true,
  lambdaT: true,
  lambdaTa: true,
  experts: true,
  itemWeight: true,
  gate: true,
  taSource: true,
  phrEnrich: true,
  dgkdDrop: true,
  taMode: true,
  taAnchor: true,
  hyperLr: true,
  hyperDecay: true,
  annealEpochs: true,
  lr: true,
  reg: true,
  batch: true,
  neg: true,
  maxEpochs: true,
  patience: true,
  candidates: true,
  ties: true,
  earlyStop: true,
  backend: true,
});
export type SweepSettings = z.infer<typeof SweepSettingsSchema>;

/** The fields of SweepSettings a teacher (or a plain student) takes. */
export const TRAINING_SETTING_KEYS = [
  'lr',
  'reg',
  'batch',
  'neg',
  'maxEpochs',
  'patience',
  'candidates',
  'ties',
  'earlyStop',
  'backend',
] as const;

const MAX_AXIS_VALUES = 24;
/** More runs than this in one sweep is a typo (the grid × methods × seeds). */
export const MAX_SWEEP_RUNS = 2000;

export const SweepAxisSchema = z
  .object({
    param: z.enum(SWEEP_PARAMS),
    values: z.array(z.number().finite()).min(1).max(MAX_AXIS_VALUES),
  })
  .strict()
  .refine((a) => new Set(a.values).size === a.values.length, {
    message: 'a value is listed twice',
    path: ['values'],
  });
export type SweepAxis = z.infer<typeof SweepAxisSchema>;

export const SweepSpecSchema = z
  .object({
    name: z.string().min(1).max(100),
    dataset: z.string().min(1).max(64),
    /** A trained teacher (run id or label); or leave out and give `teacherDim` (or vary it). */
    teacher: z.union([int(1, SEED_MAX), z.string().min(1).max(200)]).optional(),
    /** The model of the teachers the sweep trains (a given teacher's own model otherwise). */
    model: z.enum(MODEL_NAMES).default('BPR'),
    teacherDim: int(2, 4096).optional(),
    studentDim: int(1, 4095),
    methods: z.array(z.enum(SWEEP_METHODS)).min(1).max(SWEEP_METHODS.length),
    axes: z.array(SweepAxisSchema).max(2).default([]),
    seeds: z.array(int(0, SEED_MAX)).min(1).max(32).default([0]),
    settings: SweepSettingsSchema.prefault({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    const params = s.axes.map((a) => a.param);
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (new Set(params).size < params.length) issue('axes', 'a parameter is varied twice');
    const variesTeacher = params.includes('teacherDim');
    if (s.teacher !== undefined && (variesTeacher || s.teacherDim !== undefined))
      issue('teacher', 'give a teacher run or teacher sizes, not both');
    if (s.teacher === undefined && !variesTeacher && s.teacherDim === undefined)
      issue('teacher', 'give a teacher run, a teacher size, or vary teacherDim');
    if (new Set(s.methods).size < s.methods.length) issue('methods', 'a method is listed twice');
    if (new Set(s.seeds).size < s.seeds.length) issue('seeds', 'a seed is listed twice');
    const cells = s.axes.reduce((n, a) => n * a.values.length, 1);
    if (cells * s.methods.length * s.seeds.length > MAX_SWEEP_RUNS)
      issue('axes', `at most ${MAX_SWEEP_RUNS} runs per sweep (values × methods × seeds)`);
  });
export type SweepSpec = z.infer<typeof SweepSpecSchema>;
export type SweepSpecInput = z.input<typeof SweepSpecSchema>;

export interface MeanSd {
  mean: number | null;
  /** Sample standard deviation over seeds (n − 1); null below two. */
  sd: number | null;
  n: number;
}

export interface SweepCell {
  /** The axes' values of this cell, by parameter. */
  params: Partial<Record<SweepParam, number>>;
  method: SweepMethod;
  /** One per seed that has a run (the best-placed identical run: completed first). */
  runs: { seed: number; id: number; status: RunStatus }[];
  /** Seeds with no run yet. */
  missingSeeds: number[];
  /** Test metrics over the completed runs. */
  H5: MeanSd;
  N5: MeanSd;
  H10: MeanSd;
  N10: MeanSd;
}

export interface SweepInfo {
  id: number;
  name: string;
  dataset: string | null;
  createdAt: string;
  spec: SweepSpec;
  /** Runs the grid has, and how many of them have completed. */
  total: number;
  completed: number;
}

export interface SweepView extends SweepInfo {
  axes: SweepAxis[];
  methods: SweepMethod[];
  cells: SweepCell[];
}

export const PLAN_FORMATS = ['shell', 'slurm'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

export interface SweepPlan {
  text: string;
  /** Runs to train elsewhere. */
  runs: number;
  groups: number;
  /** Completed runs here that the plan builds on: they travel in its base bundle. */
  baseRuns: number[];
}
