import type { RunInfo } from '../../../contract';
import { parseDropRule } from '../guided';
import { derived, guidedDistiller, type KDFamilySpec } from './family';

/**
 * DGKD (METHOD.md §6.2): every TA is distilled from the teacher and the larger TAs, and the
 * student from all of them, some guides dropped at random each batch.
 */
export const dgkd: KDFamilySpec = {
  identity: (cfg, taDims) => ({ taDims, dgkdDrop: cfg.dgkdDrop }),
  async sources({ cfg, flavour, teacher, taDims, obtain }) {
    const desc = [...taDims].sort((a, b) => b - a);
    const tas: RunInfo[] = [];
    for (let k = 0; k < desc.length; k++) {
      // The largest TA learns from the teacher alone, and a single guide is never dropped: it is
      // the plain DE/PHR run of its size (the same epochs, bit for bit), shared with TAKD's
      // first link and any baseline of that size instead of trained again.
      const alone = k === 0 ? { method: flavour, taDims: undefined } : { taDims: desc.slice(0, k) };
      tas.push(
        await obtain(
          derived(cfg, {
            teacher: teacher.id,
            studentDim: desc[k],
            ...alone,
            label: `${cfg.method} TA ${desc[k]}`,
          }),
        ),
      );
    }
    return { guideRuns: [teacher, ...tas], pretrainedTas: [] };
  },
  distiller: (input) => guidedDistiller(input, parseDropRule(input.cfg.dgkdDrop)),
};
