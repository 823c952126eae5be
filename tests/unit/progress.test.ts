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
