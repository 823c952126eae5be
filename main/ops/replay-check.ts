import type { EpochInfo } from '../contract';
import { InputError } from '../errors';
import { METRIC_LABEL, type MetricKey } from '../shared/compare-table';

// What a replay (ops/replay.ts) must reproduce: every epoch of the recorded run, bit for bit.

/** The recorded run's epochs, as far as a replay compares them. */
export interface ReplayRecord {
  sourceId: number;
  epochs: Pick<EpochInfo, 'losses' | 'valid' | 'test'>[];
  /** What the recorded run trained on (backend, BLAS kernels, threads), to name in a difference. */
  device: string | null;
  /** The threads its native products used: a product split otherwise sums in another order. */
  threads?: number;
}

/** The native products' threads a device string names ("…OpenBLAS Zen sgemm, 1 thread)"). */
export function deviceThreads(device: string | null): number | undefined {
  const m = device && /sgemm, (\d+) threads?\)$/.exec(device);
  return m ? Number(m[1]) : undefined;
}

/** The first value of `got` that differs from `want`, named: "validation H@5 0.41 here, 0.42 recorded". */
function firstDifference(
  got: Pick<EpochInfo, 'losses' | 'valid' | 'test'>,
  want: Pick<EpochInfo, 'losses' | 'valid' | 'test'>,
): string | undefined {
  const groups: [string, object, object][] = [
    ['loss', got.losses, want.losses],
    ['validation', got.valid, want.valid],
    ['test', got.test, want.test],
  ];
  for (const [group, a, b] of groups) {
    const [x, y] = [a as Record<string, number>, b as Record<string, number>];
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)]))
      if (x[k] !== y[k])
        return `${group} ${METRIC_LABEL[k as MetricKey] ?? k} ${x[k]} here, ${y[k]} recorded`;
  }
  return undefined;
}

/**
 * Throws when a replayed epoch is not the recorded one. Equality is exact: the same seeds, data
 * and arithmetic give the same floats, and anything else (another backend, BLAS or version) is
 * another run, however close.
 */
export function checkReplayEpoch(
  record: ReplayRecord,
  got: Pick<EpochInfo, 'epoch' | 'losses' | 'valid' | 'test'>,
  device: string,
): void {
  const want = record.epochs[got.epoch];
  const why = want
    ? firstDifference(got, want)
    : `it trained past the recorded run's ${record.epochs.length} epochs`;
  if (why)
    throw new InputError(
      `replay of run #${record.sourceId} differs at epoch ${got.epoch + 1}: ${why}. It was ` +
        `recorded on ${record.device ?? 'an unrecorded device'}, replayed on ${device}: another ` +
        'backend, BLAS kernel or version trains another run, however close (OPENBLAS_CORETYPE ' +
        'picks the kernels); or train the same configuration as a run of its own',
    );
}
