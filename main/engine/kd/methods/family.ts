import type { DistillConfig, KDFlavour, RunInfo } from '../../../contract';
import type { Rng } from '../../../data/rng';
import type { Distiller } from '../distiller';
import type { Guide, GuideKD } from '../guide';
import { GuidedDistiller, type DropRule } from '../guided';

// What a family of distillation methods (plain, HyperKDMA, TAKD, DGKD) decides for itself: which
// settings identify its runs, which runs a student is built from, its objective, and what it keeps
// beyond the model. Everything else about a distillation run is shared (ops/distill.ts).

/** Obtains a run a distillation is built from: an existing identical one, or a new one. */
export type Obtain = (cfg: DistillConfig) => Promise<RunInfo>;

export interface SourcesRequest {
  cfg: DistillConfig;
  flavour: KDFlavour;
  teacher: RunInfo;
  /** TA sizes, ascending. */
  taDims: number[];
  obtain: Obtain;
}

/** The frozen runs a student learns from. */
export interface Sources {
  /** Guides: the teacher first, then TAKD's last link or DGKD's trained TAs. */
  guideRuns: RunInfo[];
  /** Frozen TA models (HyperKDMA's "w/o HNet (pretrained)" ablation). */
  pretrainedTas: RunInfo[];
}

export interface DistillerInput {
  cfg: DistillConfig;
  flavour: KDFlavour;
  /** Representation widths of the teacher, the student and the TAs. */
  dT: number;
  dS: number;
  taDims: number[];
  guides: Guide[];
  taGuides: Guide[];
  /** The KD module that makes guide `j` (0: the teacher) teach the student. */
  guideKD(g: Guide, j: number): GuideKD;
  initRng: Rng;
  noiseRng: Rng;
}

/** Arrays kept with a run beyond its parameters (read by the workbench's inspectors). */
export interface Artifact {
  arrays: Record<string, { data: Float32Array; shape: number[] }>;
  meta?: Record<string, unknown>;
}

export interface KDFamilySpec {
  /** Settings beyond the shared ones (and the flavour's) that define a run of this family. */
  identity(cfg: DistillConfig, taDims: number[]): Record<string, unknown>;
  sources(req: SourcesRequest): Promise<Sources>;
  distiller(input: DistillerInput): Distiller;
  artifacts?(
    d: Distiller,
    entities: { nUsers: number; nItems: number },
  ): Promise<Record<string, Artifact>>;
}

/** Σ over the given guides' DE/PHR losses (plain KD, a TAKD link, DGKD with a drop rule). */
export const guidedDistiller = (input: DistillerInput, drop?: DropRule): Distiller =>
  new GuidedDistiller(
    input.guides.map((g, j) => input.guideKD(g, j)),
    input.cfg.lambdaT,
    input.cfg.itemWeight,
    drop,
    input.noiseRng,
  );

/** The request for a run this one is built from: the same settings with some replaced. */
export const derived = (cfg: DistillConfig, over: Partial<DistillConfig>): DistillConfig => ({
  ...cfg,
  ...over,
});
