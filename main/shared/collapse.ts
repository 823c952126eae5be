import type { EpochInfo, RunInfo, TaMode } from '../contract';

// The collapse METHOD.md §5.5 warns about, read off HyperKDMA's per-epoch diagnostics: the
// generated TA representations shrink towards zero, and with them the TA term, until the run is
// plain DE (docs/FIDELITY.md, "The collapse").

/** Below either, the TA term has stopped shaping the student. */
export const COLLAPSE_LIMITS = { normRatio: 1e-2, share: 1e-4 } as const;

/** Where the written account of the collapse starts (its heading's anchor). */
export const COLLAPSE_DOC = 'docs/FIDELITY.md#the-collapse';

export interface CollapseSignal {
  /** The TA with the smallest representations, and their mean norm over the teacher's. */
  ta: number;
  normRatio: number;
  /** The TA term's share of the epoch's loss. */
  share: number | null;
}

/**
 * One epoch's signal, if its diagnostics show a collapse. With `normalised` targets the TA
 * representations' own scale does not enter the loss, so only the share counts.
 */
export function collapseSignal(
  diagnostics: Record<string, unknown> | undefined,
  mode: TaMode = 'paper',
): CollapseSignal | undefined {
  const num = (k: string) =>
    typeof diagnostics?.[k] === 'number' ? (diagnostics[k] as number) : undefined;
  const teacher = num('teacher.norm');
  if (!diagnostics || !teacher) return undefined;
  const ratios = Object.keys(diagnostics)
    .map((k) => [/^ta(\d+)\.norm$/.exec(k)?.[1], (num(k) ?? NaN) / teacher] as const)
    .filter((r): r is readonly [string, number] => r[0] !== undefined && !Number.isNaN(r[1]));
  if (ratios.length === 0) return undefined;
  const [ta, normRatio] = ratios.reduce((a, b) => (b[1] < a[1] ? b : a));
  const share = num('share.ta') ?? null;
  const shrunk = mode !== 'normalised' && normRatio < COLLAPSE_LIMITS.normRatio;
  const silent = share !== null && share < COLLAPSE_LIMITS.share;
  return shrunk || silent ? { ta: Number(ta), normRatio, share } : undefined;
}

export interface CollapseAlarm extends CollapseSignal {
  /** The epoch (0-based) since which every epoch has collapsed. */
  since: number;
}

/** An alarm when the latest epoch has collapsed, with the epoch the collapse began. */
export function collapseAlarm(
  epochs: Pick<EpochInfo, 'epoch' | 'diagnostics'>[],
  mode?: TaMode,
): CollapseAlarm | undefined {
  const signals = epochs.map((e) => collapseSignal(e.diagnostics, mode));
  const latest = signals.at(-1);
  if (!latest) return undefined;
  let first = signals.length - 1;
  while (first > 0 && signals[first - 1]) first--;
  return { ...latest, since: epochs[first].epoch };
}

/** One sentence for the run's page and `hkd runs show`. */
export function collapseText(a: CollapseAlarm): string {
  const share = a.share === null ? '' : `, TA term ${(100 * a.share).toPrecision(2)}% of the loss`;
  return `TA collapse since epoch ${a.since + 1}: ‖h_TA${a.ta}‖/‖h_T‖ = ${a.normRatio.toPrecision(2)}${share} — the TA term no longer shapes the student (${COLLAPSE_DOC})`;
}

/** A run's TA mode: only HyperKDMA runs have one besides the paper's. */
export const taModeOf = (run: RunInfo): TaMode =>
  (run.kind === 'distill' ? run.config.taMode : undefined) ?? 'paper';
