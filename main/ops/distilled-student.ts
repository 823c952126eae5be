import {
  type DistillConfig,
  KD_METHODS,
  type ModelName,
  type ModelOptions,
  representationWidth,
} from '../contract';
import { deTemperature, gumbelFrom } from '../engine/kd/de';
import { DistilledStudent } from '../engine/kd/distilled-student';
import { GuideKD, type Guide } from '../engine/kd/guide';
import { familySpec } from '../engine/kd/methods/registry';
import { createModel } from '../engine/models/registry';
import type { RunContext } from './execute';

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
  const { cfg, model, options } = plan;
  // KD works on representations: the same as the model sizes except for NeuMF's [GMF; MLP].
  const width = (d: number) => representationWidth(model, options, d);
  const dS = width(cfg.studentDim);
  const { flavour } = KD_METHODS[cfg.method];
  const student = createModel(model, {
    nUsers: ctx.dataset.nUsers,
    nItems: ctx.dataset.nItems,
    dim: cfg.studentDim,
    train: ctx.train,
    rng: ctx.initRng,
    noise: ctx.noiseRng,
    options,
  });
  const distiller = familySpec(cfg.method).distiller({
    cfg,
    flavour,
    dT: width(plan.dT),
    dS,
    taDims: plan.taDims.map(width),
    guides: plan.guides,
    taGuides: plan.taGuides,
    guideKD: (g, j) =>
      new GuideKD(
        j === 0 ? `teacher_${flavour.toLowerCase()}` : `guide${j}_${flavour.toLowerCase()}`,
        g,
        flavour,
        dS,
        { experts: cfg.experts, enrichment: cfg.phrEnrich, train: ctx.train },
        ctx.initRng,
      ),
    initRng: ctx.initRng,
    noiseRng: ctx.noiseRng,
  });
  return new DistilledStudent(student, distiller, gumbelFrom(ctx.noiseRng), (epoch) =>
    deTemperature(epoch, cfg.annealEpochs),
  );
}
