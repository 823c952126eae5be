// The distillation methods as data: what each one is, for every part that must tell them apart
// (forms, run pages, Compare, the paper's tables, the engine's registry of builders). A method is
// a family (how it distils) with a flavour (its KD modules: DE experts or PHR nets).

export const KD_FLAVOURS = ['DE', 'PHR'] as const;
export type KDFlavour = (typeof KD_FLAVOURS)[number];

/** plain: teacher → student; HyperKDMA: generated, gated TAs; TAKD: a chain; DGKD: every TA guides. */
export type KDFamily = 'plain' | 'HyperKDMA' | 'TAKD' | 'DGKD';

export interface KDMethodFacts {
  family: KDFamily;
  flavour: KDFlavour;
  /** The paper's row name: "DE", "HyperKDMA+DE", "TAKD+PHR". */
  paperName: string;
  /** Has teacher-assistant sizes (--num-tas / --ta-dims). */
  usesTas: boolean;
  /** Generates gated TAs (λ_TA, gate, TA source, the gate inspector). */
  generatesTas: boolean;
  /** Drops guides at random (the DGKD drop rule). */
  dropsGuides: boolean;
}

const method = (family: KDFamily, flavour: KDFlavour): KDMethodFacts => ({
  family,
  flavour,
  paperName: family === 'plain' ? flavour : `${family}+${flavour}`,
  usesTas: family !== 'plain',
  generatesTas: family === 'HyperKDMA',
  dropsGuides: family === 'DGKD',
});

export const KD_METHODS = {
  DE: method('plain', 'DE'),
  PHR: method('plain', 'PHR'),
  'HyperKDMA-DE': method('HyperKDMA', 'DE'),
  'HyperKDMA-PHR': method('HyperKDMA', 'PHR'),
  'TAKD-DE': method('TAKD', 'DE'),
  'TAKD-PHR': method('TAKD', 'PHR'),
  'DGKD-DE': method('DGKD', 'DE'),
  'DGKD-PHR': method('DGKD', 'PHR'),
} as const satisfies Record<string, KDMethodFacts>;

export type DistillMethod = keyof typeof KD_METHODS;
export const DISTILL_METHODS = Object.keys(KD_METHODS) as [DistillMethod, ...DistillMethod[]];

/** The facts of a stored run's method (undefined for a base-model run or an unknown name). */
export function methodFacts(m: string | null | undefined): KDMethodFacts | undefined {
  return m && Object.hasOwn(KD_METHODS, m) ? KD_METHODS[m as DistillMethod] : undefined;
}
