import { describe, expect, it } from 'vitest';
import { DISTILL_METHODS, MODEL_NAMES, type BackendChoice } from '../../main/contract';
import { initBackend } from '../../main/engine/backend';
import { GradScope } from '../../main/engine/grad-scope';
import { DistilledStudent } from '../../main/engine/kd/distilled-student';
import { setUpWebGpu } from '../../main/engine/webgpu';
import { synthDataset } from '../../main/ops/datasets';
import { runDistill } from '../../main/ops/distill';
import { runTraining } from '../../main/ops/train';
import { Store } from '../../main/store/db';
import { getEpochs } from '../../main/store/runs';
import { G } from '../support/golden';
import {
  C,
  expectGoldenGradients,
  goldenBatch,
  goldenGumbel,
  goldenHyperKDMA,
  goldenStudent,
} from '../support/golden-kd';
import { tempDir } from '../support/tmp';

// The engine on the WebGPU backend (Dawn), here on Mesa's lavapipe: the golden KD values and
// gradients, and a short training of every model and method against the CPU backend.
// Tolerances: WebGPU computes in float32 like the CPU backends but with its own reduction order
// (workgroup trees, fused shaders), so sums of a few hundred terms differ in the last bits —
// 1e-5 on the golden tensors (values of order 1); two epochs' summed loss within 1e-4 relative.

const unavailable = await setUpWebGpu().then(
  () => null,
  (e: Error) => e.message,
);
const title = unavailable ? `WebGPU backend (skipped: ${unavailable})` : 'WebGPU backend';

const use = (b: BackendChoice) => initBackend(b);

describe.skipIf(unavailable !== null)(title, () => {
  it.each(['DE', 'PHR'] as const)(
    'HyperKDMA+%s: the golden loss and the gradient of every tensor',
    async (flavour) => {
      await use('webgpu');
      const gold = flavour === 'DE' ? G.cases.grads.hyperkdma_de : G.cases.grads.hyperkdma_phr;
      const model = new DistilledStudent(
        goldenStudent(),
        goldenHyperKDMA(flavour),
        goldenGumbel,
        () => C.tau,
      );
      model.startEpoch(0);
      const v = await GradScope.stepAsync((scope) => model.loss(scope, goldenBatch()));
      expectGoldenGradients(model.params, v.total, gold);
    },
  );

  /** Trains the same runs on the CPU backend and on WebGPU, in stores of their own. */
  async function both<T>(train: (s: Store, backend: BackendChoice) => Promise<T>) {
    const out: T[] = [];
    for (const backend of ['cpu', 'webgpu'] as const) {
      const s = new Store(tempDir());
      synthDataset(s, { name: 'demo', users: 60, items: 600, seed: 7 });
      out.push(await train(s, backend));
    }
    return out;
  }
  const FAST = { batch: 512, maxEpochs: 2, patience: 100, lr: 0.01, reg: 1e-4 };
  const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-4 * Math.abs(b));

  it.each(MODEL_NAMES)(
    '%s trains as on the CPU',
    async (model) => {
      const [cpu, gpu] = await both(async (s, backend) => {
        const r = await runTraining(s, { dataset: 'demo', model, dim: 8, backend, ...FAST });
        return { r: r.run, epochs: getEpochs(s, r.run.id) };
      });
      expect(gpu.r.backend).toBe('webgpu');
      expect(gpu.r.device).toMatch(/WebGPU/);
      gpu.epochs.forEach((e, k) => close(e.losses.total, cpu.epochs[k].losses.total));
      expect(gpu.r.summary!.test.H5).toBeCloseTo(cpu.r.summary!.test.H5, 1);
    },
    300_000,
  );

  it('every distillation method trains as on the CPU', async () => {
    const [cpu, gpu] = await both(async (s, backend) => {
      const t = await runTraining(s, { dataset: 'demo', model: 'BPR', dim: 12, backend, ...FAST });
      const losses: Record<string, number[]> = {};
      for (const method of DISTILL_METHODS) {
        const d = await runDistill(s, {
          dataset: 'demo',
          teacher: t.run.id,
          method,
          studentDim: 4,
          numTas: 2,
          experts: 3,
          backend,
          ...FAST,
          maxEpochs: 1,
        });
        expect(d.run.status, `${method} on ${backend}`).toBe('completed');
        losses[method] = getEpochs(s, d.run.id).map((e) => e.losses.total);
      }
      return losses;
    });
    for (const method of DISTILL_METHODS) gpu[method].forEach((l, k) => close(l, cpu[method][k]));
  }, 600_000);
});
