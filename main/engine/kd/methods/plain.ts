import { guidedDistiller, type KDFamilySpec } from './family';

/** DE and PHR (METHOD.md §5.2–5.3): the teacher alone teaches the student. */
export const plain: KDFamilySpec = {
  identity: () => ({}),
  sources: ({ teacher }) => Promise.resolve({ guideRuns: [teacher], pretrainedTas: [] }),
  distiller: (input) => guidedDistiller(input),
};
