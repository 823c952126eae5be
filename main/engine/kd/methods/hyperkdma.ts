import * as tf from '@tensorflow/tfjs-core';
import { GradScope } from '../../grad-scope';
import { readTensor } from '../../webgpu';
import { rowNorms } from '../ta-targets';
import { HyperKDMA, type TaSource } from '../hyperkdma';
import { HYPERKDMA_SETTINGS, unlessDefault } from '../../../contract';
import { derived, guidedDistiller, type Artifact, type KDFamilySpec } from './family';

/** Entities whose gate weights are computed at once for the artifact. */
const GATE_CHUNK = 2048;

/**
 * HyperKDMA (METHOD.md §5.4): TAs generated per entity by a hypernetwork and mixed by a gate. Its
 * ablations: w/o GNet (uniform weights), w/o HNet as shared projections or pretrained TA runs.
 */
export const hyperkdma: KDFamilySpec = {
  identity: (cfg, taDims) => ({
    // Pretrained TAs are DE runs of their own, whatever the flavour.
    ...(cfg.taSource === 'pretrained' ? { experts: cfg.experts } : {}),
    taDims,
    lambdaTa: cfg.lambdaTa,
    gate: cfg.gate,
    taSource: cfg.taSource,
    ...unlessDefault(cfg, HYPERKDMA_SETTINGS),
  }),
  async sources({ cfg, flavour, teacher, taDims, obtain }) {
    const pretrainedTas = [];
    if (cfg.taSource === 'pretrained') {
      for (const d of taDims) {
        pretrainedTas.push(
          await obtain(
            derived(cfg, {
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
    return { guideRuns: [teacher], pretrainedTas };
  },
  distiller(input) {
    const { cfg, taDims } = input;
    // Without any TA (a teacher too small for Eq. 20) HyperKDMA reduces to DE/PHR.
    if (taDims.length === 0) return guidedDistiller(input);
    const taSource: TaSource =
      cfg.taSource === 'pretrained'
        ? { kind: 'pretrained', guides: input.taGuides }
        : { kind: cfg.taSource };
    return new HyperKDMA(
      input.guideKD(input.guides[0], 0),
      {
        flavour: input.flavour,
        dT: input.dT,
        dS: input.dS,
        taDims,
        experts: cfg.experts,
        lambdaT: cfg.lambdaT,
        lambdaTA: cfg.lambdaTa,
        itemWeight: cfg.itemWeight,
        taSource,
        gate: cfg.gate,
        mode: cfg.taMode,
        anchor: cfg.taAnchor,
        generatorOptimiser: {
          ...(cfg.hyperLr !== undefined ? { lr: cfg.hyperLr } : {}),
          ...(cfg.hyperDecay !== undefined ? { weightDecay: cfg.hyperDecay } : {}),
        },
      },
      input.initRng,
    );
  },
  artifacts: async (d, entities): Promise<Record<string, Artifact>> =>
    d instanceof HyperKDMA ? { gates: await gateArtifact(d, entities) } : {},
};

/**
 * Every user's and item's gate weights and TA-embedding norms at the best epoch, one row per
 * entity, so the workbench can read one entity's row alone.
 */
async function gateArtifact(
  h: HyperKDMA,
  { nUsers, nItems }: { nUsers: number; nItems: number },
): Promise<Artifact> {
  const m = h.m;
  const compute = async (n: number, set: 'users' | 'pos') => {
    const gates = new Float32Array(n * m);
    const norms = new Float32Array(n * m);
    const scope = new GradScope();
    for (let s = 0; s < n; s += GATE_CHUNK) {
      const ids = Int32Array.from({ length: Math.min(GATE_CHUNK, n - s) }, (_, k) => s + k);
      const [g, norm] = tf.tidy(() => {
        const hT = scope.rows(
          set === 'users' ? h.teacherKD.guide.users : h.teacherKD.guide.items,
          ids,
        );
        const tas = h.taRepresentations(scope, { [set]: ids }, hT);
        return [
          h.gates(scope, hT),
          tf.stack(
            tas.map((t) => rowNorms(t)),
            1,
          ),
        ];
      });
      gates.set(await readTensor(g), s * m);
      norms.set(await readTensor(norm), s * m);
      tf.dispose([g, norm]);
    }
    return { gates, norms };
  };
  const u = await compute(nUsers, 'users');
  const i = await compute(nItems, 'pos');
  const artifact: Artifact = {
    arrays: {
      userGates: { data: u.gates, shape: [nUsers, m] },
      itemGates: { data: i.gates, shape: [nItems, m] },
      userTaNorms: { data: u.norms, shape: [nUsers, m] },
      itemTaNorms: { data: i.norms, shape: [nItems, m] },
    },
    meta: { taDims: h.opts.taDims },
  };
  return artifact;
}
