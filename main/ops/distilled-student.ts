import * as tf from '@tensorflow/tfjs-core';
import { representationWidth, type ModelOptions } from '../contract';
import { GradScope } from '../engine/grad-scope';
import { gumbelFrom } from '../engine/kd/de';
import { DistilledStudent } from '../engine/kd/distilled-student';
import type { Distiller } from '../engine/kd/distiller';
import { GuideKD, type Guide } from '../engine/kd/guide';
import { GuidedDistiller, parseDropRule } from '../engine/kd/guided';
import { HyperKDMA, type TaSource } from '../engine/kd/hyperkdma';
import { createModel, type ModelName } from '../engine/models/registry';
import { family, flavourOf, type DistillConfig } from './distill-config';
import type { RunContext } from './execute';

// A distilled student built from its plan (the run's configuration and the frozen runs it learns
// from), and the gate-weight artifact a HyperKDMA student keeps.

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

const GATE_CHUNK = 2048;

/**
 * Every user's and item's gate weights and TA-embedding norms at the best epoch, one row per
 * entity, so the workbench can read one entity's row alone.
 */
export function gateArtifact(h: HyperKDMA, ctx: RunContext) {
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
