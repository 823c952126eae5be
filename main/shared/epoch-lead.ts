import type { EpochInfo } from '../contract';
import { lastOf, seedCurve } from './epoch-figure';

// One run's lead over another in a per-epoch series, summed up over blocks of epochs: at how many
// epochs it is ahead and by how much on average (over seeds: the mean lead of runs paired by
// seed). Consecutive epochs are nearly the same model, so these describe two curves; they are not
// a test of the runs (that is `hkd paired`, or Compare's t-test over seeds).

/** The lead over epochs `from` … `to` (counted from 1) where both runs have the series. */
export interface LeadBlock {
  series: string;
  from: number;
  to: number;
  /** Epochs in the block where both runs have a value. */
  epochs: number;
  ahead: number;
  behind: number;
  /** Mean of this run's value minus the other's, null when no epoch has both. */
  mean: number | null;
}

function block(series: string, diffs: Map<number, number | null>, from: number, to: number) {
  const d: number[] = [];
  for (let x = from; x <= to; x++) {
    const v = diffs.get(x);
    if (v !== null && v !== undefined) d.push(v);
  }
  return {
    series,
    from,
    to,
    epochs: d.length,
    ahead: d.filter((v) => v > 0).length,
    behind: d.filter((v) => v < 0).length,
    mean: d.length ? d.reduce((s, v) => s + v, 0) / d.length : null,
  };
}

/**
 * Blocks of `every` epochs from epoch `from` to the last epoch both runs trained, then one block
 * over that whole span (alone when `every` is Infinity): what FIDELITY.md quotes as "ahead at 132
 * of 135 epochs, by 0.0036".
 */
export function leadBlocks(
  a: EpochInfo[],
  b: EpochInfo[],
  series: string,
  every: number,
  from = 1,
): LeadBlock[] {
  return seedLeadBlocks([[a, b]], series, every, from);
}

/**
 * The same lead over seeds: each pair is one seed's run and the other experiment's run of that
 * seed; an epoch counts where every pair has a value, with the mean of their leads, up to the
 * last epoch every pair trained.
 */
export function seedLeadBlocks(
  pairs: [EpochInfo[], EpochInfo[]][],
  series: string,
  every: number,
  from = 1,
): LeadBlock[] {
  if (!pairs.length) return [];
  const leads = seedCurve(
    { label: '', seeds: pairs.map(([a, b]) => ({ label: '', epochs: a, minus: b })) },
    series,
  );
  const diffs = new Map([...leads].map(([x, { mean }]) => [x, mean]));
  const last = Math.min(...pairs.map(([a, b]) => Math.min(lastOf(a), lastOf(b))));
  if (last < from) return [];
  const blocks: LeadBlock[] = [];
  for (let x = from; x <= last; x += every)
    blocks.push(block(series, diffs, x, Math.min(x + every - 1, last)));
  if (blocks.length > 1) blocks.push(block(series, diffs, from, last));
  return blocks;
}

/** A mean lead as the CLI and the workbench print it: signed, four decimals (H@K's precision). */
export function signedLead(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;
}
