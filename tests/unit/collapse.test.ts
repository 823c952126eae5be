import { describe, expect, it } from 'vitest';
import { collapseAlarm, collapseSignal, collapseText } from '../../main/shared/collapse';

const diag = (ta0: number, ta1: number, share: number) => ({
  'teacher.norm': 2,
  'ta0.norm': ta0,
  'ta1.norm': ta1,
  'share.ta': share,
});

describe('the collapse alarm', () => {
  it('fires when any TA shrinks below 1e-2 of the teacher, or the TA term below 1e-4 of the loss', () => {
    expect(collapseSignal(diag(1, 1, 0.01))).toBeUndefined();
    expect(collapseSignal(diag(1, 0.019, 0.01))).toEqual({ ta: 1, normRatio: 0.0095, share: 0.01 });
    expect(collapseSignal(diag(1, 1, 5e-5))).toMatchObject({ ta: 0, share: 5e-5 });
    // Base models and other methods have no TA diagnostics.
    expect(collapseSignal({ 'share.kd': 0.5 })).toBeUndefined();
    expect(collapseSignal(undefined)).toBeUndefined();
  });

  it('with normalised targets, judges by the TA term’s share only', () => {
    expect(collapseSignal(diag(1e-4, 1e-4, 0.01), 'normalised')).toBeUndefined();
    expect(collapseSignal(diag(1e-4, 1e-4, 1e-6), 'normalised')).toBeDefined();
  });

  it('reports the epoch the current collapse began, and nothing once the run recovers', () => {
    const epochs = [
      diag(1, 1, 0.1),
      diag(0.01, 1, 0.1),
      diag(1, 1, 0.1),
      diag(0.01, 1, 0.1),
      diag(0.001, 1, 1e-5),
    ].map((diagnostics, epoch) => ({ epoch, diagnostics }));
    const alarm = collapseAlarm(epochs)!;
    expect(alarm).toMatchObject({ since: 3, ta: 0, normRatio: 0.0005, share: 1e-5 });
    expect(collapseText(alarm)).toMatch(
      /^TA collapse since epoch 4: ‖h_TA0‖\/‖h_T‖ = 0\.00050, TA term 0\.0010% of the loss/,
    );
    expect(collapseAlarm(epochs.slice(0, 3))).toBeUndefined();
    expect(collapseAlarm([])).toBeUndefined();
  });
});
