import { bestSoFar } from '../shared/best-so-far';
import { median } from '../shared/mean-sd';
import { duration, runSeconds } from '../shared/run-outcome';
import {
  type DatasetInfo,
  type EpochInfo,
  isUnfinished,
  runDim,
  type Metrics,
  type RunInfo,
} from '../contract';
import { SHAPE_NAMES, trendAt, trendHorizons, type MetricTrend } from '../shared/trend';

/** The queue's order as a line: its first dozen runs and how many there are. */
export const queueText = (ids: number[]): string =>
  `queue: ${ids
    .slice(0, 12)
    .map((id) => `#${id}`)
    .join(', ')}${ids.length > 12 ? `, … (${ids.length})` : ''}`;

/** A file size for a person: KB below a tenth of a megabyte, so a small file is not "0.0 MB". */
export const sizeText = (bytes: number): string =>
  bytes < 1e5 ? `${Math.ceil(bytes / 1e3)} KB` : `${(bytes / 1e6).toFixed(1)} MB`;

export const fmt = (x: number | null | undefined, digits = 4): string =>
  x === null || x === undefined ? '-' : x.toFixed(digits);

export function metricsLine(m: Metrics | null): string {
  if (!m) return '-';
  return `H@5 ${fmt(m.H5)}  N@5 ${fmt(m.N5)}  H@10 ${fmt(m.H10)}  N@10 ${fmt(m.N10)}  H@20 ${fmt(m.H20)}  N@20 ${fmt(m.N20)}`;
}

/** Left-aligned text table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  return cells
    .map((r) =>
      r
        .map((v, c) => v.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function datasetSummary(d: DatasetInfo): string {
  const s = d.stats;
  return `${d.name}: ${s.users} users, ${s.items} items, ${s.interactions} interactions (${s.trainInteractions} for training), density ${s.density.toExponential(3)}`;
}

/** Epochs are counted from 1 in text, as the progress line and the workbench count them. */
export const ordinal = (epoch: number | null): string | number =>
  epoch === null ? '-' : epoch + 1;

/**
 * A run's result. An unfinished run with its epochs given shows the epoch it would report if it
 * stopped now, and the median seconds of those epochs, instead of a summary it may not have yet
 * (or one from before it was trained further).
 */
export function runSummary(r: RunInfo, epochs: EpochInfo[] = []): string {
  const soFar = isUnfinished(r.status) ? bestSoFar(epochs, r.config.earlyStop) : undefined;
  const result = soFar ?? r.summary;
  const typical = (k: 'trainSeconds' | 'evalSeconds') => median(epochs.map((e) => e[k]));
  const best = soFar ? `${ordinal(soFar.epoch)} so far (unfinished)` : ordinal(r.bestEpoch);
  const [train, evaluation] = soFar
    ? [typical('trainSeconds'), typical('evalSeconds')]
    : [r.trainSecondsPerEpoch, r.evalSecondsPerEpoch];
  return [
    `run #${r.id} ${r.status}: ${r.model}${r.method ? ` ${r.method}` : ''} dim ${runDim(r)} on ${r.backend ?? '?'} (${r.device ?? '?'})`,
    `epochs ${r.epochsRun}, best ${best}; ${fmt(train, 2)} s/epoch training, ${fmt(evaluation, 3)} s evaluation`,
    ...(r.stopReason && r.status !== 'failed' ? [`stopped: ${r.stopReason}`] : []),
    `valid ${metricsLine(result?.valid ?? null)}`,
    `test  ${metricsLine(result?.test ?? null)}`,
  ].join('\n');
}

/**
 * One row per epoch: total loss, validation and test H@5, and for distillation the §5.5
 * diagnostics that reveal a collapse (TA norms against the teacher's, gate entropy).
 */
export function epochTable(epochs: EpochInfo[]): string {
  const diag = [...new Set(epochs.flatMap((e) => Object.keys(e.diagnostics ?? {})))].filter((k) =>
    /^(teacher\.norm|ta\d+\.norm|gate\.entropy|share\.(kd|ta))$/.test(k),
  );
  return table(
    ['epoch', 'loss', 'valid H@5', 'test H@5', 'train s', ...diag],
    epochs.map((e) => [
      e.epoch + 1,
      e.losses.total.toFixed(1),
      fmt(e.valid.H5),
      fmt(e.test.H5),
      fmt(e.trainSeconds, 2),
      ...diag.map((k) => {
        const v = e.diagnostics?.[k];
        return typeof v === 'number' ? v.toPrecision(3) : '-';
      }),
    ]),
  );
}

/** Fitted curves and where they lead at 2× and 4× the epochs trained, labelled as extrapolation. */
export function trendTable(trends: MetricTrend[], epochs: number): string {
  const fitted = trends.filter((t) => t.trend);
  if (fitted.length === 0)
    return `trend: no curve fits from epoch ${trends[0].from} on (${epochs} epochs so far): it needs 6 or more epochs there, and a rise that levels off below 1`;
  const { from, to } = fitted[0].trend!;
  const at = trendHorizons(epochs);
  return [
    `trend (extrapolation) of curves fitted on epochs ${from}–${to}:`,
    table(
      ['curve', 'metric', 'limit', ...at.map((e) => `at ${e}`), 'rmse'],
      fitted.flatMap(({ metric, trend }) =>
        trend!.fits.map((f) => [
          SHAPE_NAMES[f.shape],
          metric,
          fmt(f.limit),
          ...at.map((e) => fmt(trendAt(f, e))),
          fmt(f.rmse),
        ]),
      ),
    ),
  ].join('\n');
}

/** How long a run trained, or '-' before it starts. */
export function runDuration(r: RunInfo, now = Date.now()): string {
  const s = runSeconds(r, now);
  return s === null ? '-' : duration(s);
}
