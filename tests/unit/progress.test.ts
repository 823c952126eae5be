import { describe, expect, it } from 'vitest';
import { ProgressLine } from '../../main/cli/progress';
import type { Metrics } from '../../main/contract';

const M: Metrics = { H5: 0.5, N5: 0.4, H10: 0.6, N10: 0.45, H20: 0.7, N20: 0.5 };

describe('CLI progress line', () => {
  it('times epochs from where a resumed run starts', () => {
    const lines: string[] = [];
    const p = new ProgressLine({ out: () => {}, err: (s) => lines.push(s), tty: false }, true);
    p.start(7, 'wasm', 300, 20);
    for (const epoch of [200, 201])
      p.epoch({
        epoch,
        losses: { total: 1 },
        valid: M,
        test: M,
        trainSeconds: 18,
        evalSeconds: 2,
        bestEpoch: 195,
        bestValidH5: 0.5,
      });
    // Best at epoch 196: patience 20 stops it after epoch 216, 14 epochs after epoch 202.
    expect(lines[2]).toMatch(
      /epoch 202\/300 .* 20\.00 s\/epoch {2}stops in ≈ 5 min unless it improves$/,
    );
  });
});

describe('CLI progress within an epoch', () => {
  it('counts batches on a terminal beside the last best and stop, at most 4× a second', () => {
    const lines: string[] = [];
    const p = new ProgressLine({ out: () => {}, err: (s) => lines.push(s), tty: true }, true);
    p.start(3, 'wasm', 100, 20);
    p.batch(0, 1, 10, 1_000);
    p.batch(0, 2, 10, 1_100); // within 250 ms: not redrawn
    p.epoch({
      epoch: 0,
      losses: { total: 1 },
      valid: M,
      test: M,
      trainSeconds: 9,
      evalSeconds: 1,
      bestEpoch: 0,
      bestValidH5: 0.5,
    });
    p.batch(1, 4, 10, 2_000);
    expect(lines.map((l) => l.replace('\r\u001b[2K', ''))).toEqual([
      'run #3 on wasm',
      'run #3 epoch 1/100 · batch 1/10',
      expect.stringMatching(/^run #3 epoch 1\/100 {2}loss/),
      'run #3 epoch 2/100 · batch 4/10  best 0.5000 @1, stops in ≈ 3 min unless it improves',
    ]);
  });

  it('leaves logs (no terminal) one line per epoch', () => {
    const lines: string[] = [];
    const p = new ProgressLine({ out: () => {}, err: (s) => lines.push(s), tty: false }, true);
    p.start(3, 'wasm', 100, 20);
    p.batch(0, 1, 10, 1_000);
    expect(lines).toEqual(['run #3 on wasm']);
  });
});
