// The distillation methods as data: what each one is, for every part that must tell them apart
// (forms, run pages, Compare, the paper's tables, the engine's registry of builders). A method is
// a family (how it distils) with a flavour (its KD modules: DE experts or PHR nets).

export const KD_FLAVOURS = ['DE', 'PHR'] as const;
export type KDFlavour = (typeof KD_FLAVOURS)[number];

/** What a family of methods does, as forms and tables need to know it. */
export interface KDFamilyFacts {
  /** Has teacher-assistant sizes (--num-tas / --ta-dims). */
  usesTas: boolean;
  /** Generates gated TAs (λ_TA, gate, TA source, the gate inspector). */
  generatesTas: boolean;
  /** Drops guides at random (the DGKD drop rule). */
  dropsGuides: boolean;
}

/** plain: teacher → student; HyperKDMA: generated, gated TAs; TAKD: a chain; DGKD: every TA guides. */
export const KD_FAMILIES = {
  plain: { usesTas: false, generatesTas: false, dropsGuides: false },
  HyperKDMA: { usesTas: true, generatesTas: true, dropsGuides: false },
  TAKD: { usesTas: true, generatesTas: false, dropsGuides: false },
  DGKD: { usesTas: true, generatesTas: false, dropsGuides: true },
} as const satisfies Record<string, KDFamilyFacts>;
export type KDFamily = keyof typeof KD_FAMILIES;

export interface KDMethodFacts extends KDFamilyFacts {
  family: KDFamily;
  flavour: KDFlavour;
  /** The paper's row name: "DE", "HyperKDMA+DE", "TAKD+PHR". */
  paperName: string;
}

const method = (family: KDFamily, flavour: KDFlavour): KDMethodFacts => ({
  family,
  flavour,
  paperName: family === 'plain' ? flavour : `${family}+${flavour}`,
  ...KD_FAMILIES[family],
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
