import type { EpochInfo, Metrics } from '../../main/contract';

const metrics = (h5: number): Metrics => ({ H5: h5, N5: 0, H10: 0, N10: 0, H20: 0, N20: 0 });

/** Epoch records counted from 0 as stored, with these validation H@5 values (NaN: not finite). */
export const validH5Epochs = (h5: number[]): EpochInfo[] =>
  h5.map((v, epoch) => ({
    epoch,
    losses: { total: 1 },
    valid: metrics(v),
    test: metrics(0),
    trainSeconds: 1,
    evalSeconds: 0,
  }));
