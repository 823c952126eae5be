import type { RunInfo } from '../../../contract';
import { derived, guidedDistiller, type KDFamilySpec } from './family';

/**
 * TAKD (METHOD.md §6.1): a chain teacher → largest TA → … → smallest TA → student, each link a
 * plain DE/PHR distillation; the student learns from the last link alone.
 */
export const takd: KDFamilySpec = {
  identity: (_cfg, taDims) => ({ taDims }),
  async sources({ cfg, flavour, teacher, taDims, obtain }) {
    let prev: RunInfo = teacher;
    for (const d of [...taDims].sort((a, b) => b - a)) {
      prev = await obtain(
        derived(cfg, {
          method: flavour,
          teacher: prev.id,
          studentDim: d,
          taDims: undefined,
          label: `${cfg.method} link ${d}`,
        }),
      );
    }
    return { guideRuns: [prev], pretrainedTas: [] };
  },
  distiller: (input) => guidedDistiller(input),
};
