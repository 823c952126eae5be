import { describe, expect, it } from 'vitest';
import { earliestStop, nextLive } from '../../main/shared/best-so-far';
import { duration, runSeconds, stopReason } from '../../main/shared/run-outcome';
import { progressText } from '../../renderer/src/lib/format';

const epoch = (e: number, h5: number, secs = 10) => ({
  epoch: e,
  valid: { H5: h5 },
  trainSeconds: secs - 1,
  evalSeconds: 1,
});

describe('a running run’s best so far, pace and earliest stop', () => {
  it('keeps the first epoch with the highest validation H@5, as the trainer does', () => {
    let live = null;
    for (const e of [epoch(0, 0.2), epoch(1, 0.3), epoch(2, 0.3), epoch(3, 0.25)])
      live = nextLive(live, e);
    expect(live).toMatchObject({ bestEpoch: 1, bestValidH5: 0.3, secondsPerEpoch: 10 });
  });

  it("counts a better H@10 or H@20 as progress under the authors' rule only", () => {
    const at = (e: number, H5: number, H10: number, H20: number) => ({
      ...epoch(e, H5),
      valid: { H5, H10, H20 },
    });
    const epochs = [at(0, 0.2, 0.3, 0.4), at(1, 0.3, 0.3, 0.4), at(2, 0.25, 0.35, 0.4)];
    const live = (rule: 'h5' | 'any') =>
      epochs.reduce<ReturnType<typeof nextLive> | null>((l, e) => nextLive(l, e, rule), null);
    expect(live('h5')).toMatchObject({ bestEpoch: 1, bestValidH5: 0.3 });
    expect(live('any')).toMatchObject({
      bestEpoch: 2,
      bestValidH5: 0.3,
      bestValidH10: 0.35,
      bestValidH20: 0.4,
    });
  });

  it('follows the recent pace', () => {
    let live = nextLive(null, epoch(0, 0.1, 10));
    for (let e = 1; e < 30; e++) live = nextLive(live, epoch(e, 0.05, 20));
    expect(live.secondsPerEpoch).toBeGreaterThan(19.9);
    expect(live.secondsPerEpoch).toBeLessThan(20);
  });

  it('starts over when a resumed run recomputes epochs up to its best', () => {
    const live = nextLive(nextLive(nextLive(null, epoch(0, 0.1)), epoch(1, 0.2)), epoch(1, 0.15));
    expect(live).toMatchObject({ bestEpoch: 1, bestValidH5: 0.15 });
  });

  it('stops patience epochs after its best, or at the epoch limit, at its pace', () => {
    const live = {
      bestEpoch: 4,
      bestValidH5: 0.3,
      bestValidH10: 0.4,
      bestValidH20: 0.5,
      secondsPerEpoch: 30,
    };
    const run = { epochsRun: 10, config: { maxEpochs: 1000, patience: 20 }, live };
    // Best at epoch 5 (1-based): it stops after epoch 25, 15 epochs from now.
    expect(earliestStop(run)).toEqual({ epoch: 25, seconds: 15 * 30 });
    expect(earliestStop({ ...run, config: { maxEpochs: 12, patience: 20 } })).toEqual({
      epoch: 12,
      seconds: 60,
    });
    expect(earliestStop({ ...run, live: null })).toEqual({ epoch: 20, seconds: null });
  });
});

describe('how a run ended and how long it took', () => {
  const config = { maxEpochs: 50, patience: 5 };
  const run = { epochsRun: 17, bestEpoch: 11, error: null, config };
  it('tells early stopping from the epoch limit, a cancel, a failure and an interruption', () => {
    expect(stopReason({ ...run, status: 'completed' })).toBe(
      'early stop at epoch 17 (best 12, patience 5)',
    );
    expect(stopReason({ ...run, status: 'completed', epochsRun: 50 })).toBe('epoch limit (50)');
    expect(stopReason({ ...run, status: 'cancelled' })).toBe('cancelled at epoch 17');
    expect(stopReason({ ...run, status: 'failed', error: 'loss is NaN\n  at fit' })).toBe(
      'failed: loss is NaN',
    );
    expect(stopReason({ ...run, status: 'interrupted' })).toBe(
      'interrupted at epoch 17 (resumable)',
    );
    expect(stopReason({ ...run, status: 'running' })).toBeNull();
    expect(stopReason({ ...run, status: 'queued' })).toBeNull();
  });

  it('counts a running run to now and a finished one to its end', () => {
    const startedAt = '2026-12-01T10:00:00.000Z';
    const now = Date.parse('2026-12-01T10:02:00.000Z');
    expect(runSeconds({ startedAt, finishedAt: null, status: 'running' }, now)).toBe(120);
    const finishedAt = '2026-12-01T11:30:00.000Z';
    expect(runSeconds({ startedAt, finishedAt, status: 'completed' }, now)).toBe(5400);
    expect(runSeconds({ startedAt: null, finishedAt: null, status: 'queued' }, now)).toBeNull();
    expect([duration(42), duration(420), duration(5400)]).toEqual(['42 s', '7 min', '1.5 h']);
  });
});

describe('the progress line', () => {
  it('counts batches within the epoch, then says it evaluates, never the next epoch early', () => {
    const run = { epochsRun: 5 };
    expect(progressText(run, { epoch: 5, batch: 3, batches: 10 }, 30)).toBe('epoch 6 · batch 3/10');
    expect(progressText(run, { epoch: 5, batch: 10, batches: 10 }, 30)).toBe(
      'epoch 6 · evaluating',
    );
    // Progress of an epoch already recorded is stale.
    expect(progressText(run, { epoch: 4, batch: 10, batches: 10 }, 30)).toBe('epoch 6');
    expect(progressText(run, undefined, 5)).toBe('epoch 5');
  });
});
