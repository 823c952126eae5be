import { describe, expect, it } from 'vitest';
import { Adam } from '../../main/engine/adam';
import { Param } from '../../main/engine/params';
import { at, expectClose, flat, G, leaves, shapeOf } from '../support/golden';

describe('Adam with coupled L2 (METHOD.md §3)', () => {
  it('matches a hand-computed first and second step', () => {
    const theta = [0.5, -1.0, 2.0];
    const grads = [
      [0.1, 0.0, -0.3],
      [-0.2, 0.4, 0.0],
    ];
    const p = new Param('w', [3], Float32Array.from(theta));
    const opt = new Adam([p], { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 });
    // Reference in float64, written out from the update rule.
    const th = [...theta];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    for (let t = 1; t <= 2; t++) {
      p.accumulateAll(Float32Array.from(grads[t - 1]));
      opt.step();
      for (let i = 0; i < 3; i++) {
        const g = grads[t - 1][i] + 0.1 * th[i];
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.999 * v[i] + 0.001 * g * g;
        const mh = m[i] / (1 - 0.9 ** t);
        const vh = v[i] / (1 - 0.999 ** t);
        th[i] -= (0.01 * mh) / (Math.sqrt(vh) + 1e-8);
      }
      expectClose(p.data, th, 1e-6, 1e-6, `θ after step ${t}`);
      expect(Array.from(p.grad)).toEqual([0, 0, 0]);
      // Step 1 moves every element by ≈ lr whatever the gradient's scale (Adam's normalisation).
      if (t === 1)
        for (let i = 0; i < 3; i++) expect(Math.abs(theta[i] - th[i])).toBeCloseTo(0.01, 6);
    }
  });

  it('gives a Param its own learning rate and decay, and leaves a frozen one out', () => {
    const make = (name: string) => new Param(name, [2], Float32Array.from([1, -1]));
    const [shared, own, still, frozen] = ['shared', 'own', 'still', 'frozen'].map(make);
    own.optimiser = { lr: 0.1 };
    still.optimiser = { weightDecay: 0 };
    frozen.freeze();
    const opt = new Adam([shared, own, still, frozen], {
      lr: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.1,
    });
    // No gradient anywhere: only coupled decay moves a tensor, by ≈ its lr on the first step.
    opt.step();
    expectClose(shared.data, [0.99, -0.99], 1e-6, 1e-6, 'shared');
    expectClose(own.data, [0.9, -0.9], 1e-6, 1e-6, 'own lr');
    expect(Array.from(still.data)).toEqual([1, -1]);
    expect(Array.from(frozen.data)).toEqual([1, -1]);
    expect(Object.keys(opt.state().m)).toEqual(['shared', 'own', 'still']);
  });

  it('reproduces the golden two-step trajectory of the HyperKDMA+DE tree', () => {
    const a = G.cases.adam.hyperkdma_de;
    const cfg = G.config.adam;
    const tree = G.cases.grads.hyperkdma_de.grads;
    const params = leaves(tree).map(
      ([path]) =>
        new Param(path, shapeOf(at(G.params, path)), Float32Array.from(flat(at(G.params, path)))),
    );
    const opt = new Adam(params, {
      lr: cfg.lr,
      beta1: cfg.beta1,
      beta2: cfg.beta2,
      eps: cfg.eps,
      weightDecay: cfg.weight_decay,
    });
    expect(params.length).toBeGreaterThan(20);
    const stepWith = (
      grads: unknown,
      expected: { params: unknown; exp_avg: unknown; exp_avg_sq: unknown },
    ) => {
      for (const p of params) p.accumulateAll(Float32Array.from(flat(at(grads, p.name))));
      opt.step();
      const s = opt.state();
      for (const p of params) {
        expectClose(p.data, at(expected.params, p.name), 1e-6, 1e-6, `${p.name} θ`);
        expectClose(s.m[p.name], at(expected.exp_avg, p.name), 1e-6, 1e-6, `${p.name} m`);
        expectClose(s.v[p.name], at(expected.exp_avg_sq, p.name), 1e-6, 1e-6, `${p.name} v`);
      }
    };
    stepWith(tree, a.step1);
    stepWith(a.step2.grads_before, a.step2);
    expect(opt.steps).toBe(2);
  });

  it('saves and restores its state', () => {
    const mk = () => new Param('w', [4], Float32Array.from([1, 2, 3, 4]));
    const p = mk();
    const opt = new Adam([p]);
    p.accumulateAll(Float32Array.from([1, -1, 1, -1]));
    opt.step();
    const q = mk();
    q.data.set(p.data);
    const opt2 = new Adam([q]);
    opt2.load(opt.state());
    for (const [param, o] of [
      [p, opt],
      [q, opt2],
    ] as const) {
      param.accumulateAll(Float32Array.from([0.5, 0.5, 0.5, 0.5]));
      o.step();
    }
    expect(Array.from(q.data)).toEqual(Array.from(p.data));
  });
});

describe('Param gradients', () => {
  it('sum every contribution of a step, rows and whole, and clear to zero', () => {
    const p = new Param('t', [3, 2], new Float32Array(6));
    p.accumulateRows([1], Float32Array.from([1, 2]));
    p.accumulateAll(Float32Array.from([1, 1, 1, 1, 1, 1]));
    p.accumulateAll(Float32Array.from([0, 0, 0, 0, 0, 1]));
    expect(Array.from(p.grad)).toEqual([1, 1, 2, 3, 1, 2]);
    p.clearGrad();
    expect(Array.from(p.grad)).toEqual([0, 0, 0, 0, 0, 0]);
    p.accumulateAll(Float32Array.from([6, 5, 4, 3, 2, 1]));
    p.accumulateRows([0], Float32Array.from([1, 1]));
    expect(Array.from(p.grad)).toEqual([7, 6, 4, 3, 2, 1]);
  });
});
