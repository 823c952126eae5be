import { KD_METHODS, type DistillMethod, type KDFamily } from '../../../contract';
import { dgkd } from './dgkd';
import type { KDFamilySpec } from './family';
import { hyperkdma } from './hyperkdma';
import { plain } from './plain';
import { takd } from './takd';

/** How each family of methods builds its runs; what each method is lives in KD_METHODS. */
const FAMILIES: Record<KDFamily, KDFamilySpec> = {
  plain,
  HyperKDMA: hyperkdma,
  TAKD: takd,
  DGKD: dgkd,
};

export const familySpec = (m: DistillMethod): KDFamilySpec => FAMILIES[KD_METHODS[m].family];
