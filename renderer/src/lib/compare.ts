import type { Metrics, RunInfo } from '../../../main/contract';
import type { PaperRow, PaperValues } from './paper-results';

export const METRICS = ['H5', 'N5', 'H10', 'N10', 'H20', 'N20'] as const;
export type MetricKey = (typeof METRICS)[number];
export const METRIC_LABEL: Record<MetricKey, string> = {
  H5: 'H@5',
  N5: 'N@5',
  H10: 'H@10',
  N10: 'N@10',
  H20: 'H@20',
  N20: 'N@20',
};

export const runDim = (r: RunInfo): number =>
  (r.kind === 'train' ? r.config.dim : r.config.studentDim) as number;

/** What a HyperKDMA run leaves out (the paper's ablations), as its row name says. */
function ablation(r: RunInfo): string {
  if (!r.method?.startsWith('HyperKDMA')) return '';
  const source = r.config.taSource ?? 'hypernet';
  return (
    (r.config.gate === false ? ' w/o GNet' : '') +
    (source === 'hypernet' ? '' : ` w/o HNet (${String(source)})`)
  );
}

/** The row name of the paper's table: the method, or the base model's role by size. */
export const rowLabel = (r: RunInfo): string =>
  r.method ? r.method + ablation(r) : `${r.model} d=${runDim(r)} (no KD)`;

export const runTitle = (r: RunInfo): string =>
  `#${r.id} ${r.label ?? `${r.method ?? r.model} d=${runDim(r)}`}`;

export interface CompareTable {
  columns: { model: string; metric: MetricKey }[];
  rows: {
    label: string;
    runId: number;
    cells: (number | null)[];
    best: boolean[];
    /** Relative change against the baseline run of the same model, if any. */
    delta: (number | null)[];
    /** The paper's values for the row this run reproduces, and the run's difference from them. */
    paper: { label: string; cells: (number | null)[]; gap: (number | null)[] } | null;
  }[];
}

/**
 * The paper's layout: one row per run (named by its method), one column per model × metric;
 * the best value of each column is marked, and each cell can show its change over a baseline.
 */
export function compareTable(
  runs: RunInfo[],
  metrics: readonly MetricKey[],
  baselineId?: number,
  /** The paper's row a run reproduces (see paper-results.ts), to set beside it. */
  paper?: (r: RunInfo) => PaperRow | null,
): CompareTable {
  const models = [...new Set(runs.map((r) => r.model))];
  const columns = models.flatMap((model) => metrics.map((metric) => ({ model, metric })));
  const value = (r: RunInfo, c: { model: string; metric: MetricKey }) =>
    r.model === c.model && r.summary ? r.summary.test[c.metric as keyof Metrics] : null;
  const baseline = runs.find((r) => r.id === baselineId);
  const best = columns.map((c) => Math.max(...runs.map((r) => value(r, c) ?? -Infinity)));
  return {
    columns,
    rows: runs.map((r) => {
      const cells = columns.map((c) => value(r, c));
      const ref = paper?.(r);
      const refCells = columns.map((c) =>
        ref && c.model === r.model ? (ref.values[c.metric as keyof PaperValues] ?? null) : null,
      );
      return {
        label: rowLabel(r),
        runId: r.id,
        cells,
        best: cells.map((v, j) => v !== null && v === best[j]),
        delta: cells.map((v, j) => {
          const b = baseline ? value(baseline, columns[j]) : null;
          return v === null || b === null || b === 0 || r.id === baselineId ? null : (v - b) / b;
        }),
        paper: ref
          ? {
              label: `paper: ${ref.row} (${ref.source})`,
              cells: refCells,
              gap: cells.map((v, j) =>
                v === null || refCells[j] === null ? null : v - refCells[j],
              ),
            }
          : null,
      };
    }),
  };
}

/** Share of the teacher–student gap a distilled student closes: (d − s) / (t − s). */
export function recoveredGap(distilled: number, student: number, teacher: number): number | null {
  return teacher === student ? null : (distilled - student) / (teacher - student);
}

/** Every config key with each run's value; `onlyDifferent` keeps the keys where they differ. */
export function configDiff(
  runs: RunInfo[],
  onlyDifferent: boolean,
): { key: string; values: string[]; differs: boolean }[] {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.config)))].sort();
  return keys
    .map((key) => {
      const values = runs.map((r) => (key in r.config ? JSON.stringify(r.config[key]) : '–'));
      return { key, values, differs: new Set(values).size > 1 };
    })
    .filter((row) => !onlyDifferent || row.differs);
}

const header = (t: CompareTable) => t.columns.map((c) => `${c.model} ${METRIC_LABEL[c.metric]}`);
const num = (v: number | null) => (v === null ? '' : v.toFixed(4));

export function toCsv(t: CompareTable): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [['method', 'run', ...header(t)].map(q).join(',')];
  for (const r of t.rows) {
    lines.push([q(r.label), String(r.runId), ...r.cells.map(num)].join(','));
    if (r.paper) lines.push([q(r.paper.label), '', ...r.paper.cells.map(num)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

export function toMarkdown(t: CompareTable): string {
  const lines = [
    `| Method | ${header(t).join(' | ')} |`,
    `|---|${t.columns.map(() => '---:').join('|')}|`,
  ];
  for (const r of t.rows) {
    const cells = r.cells.map((v, j) => (v === null ? '–' : r.best[j] ? `**${num(v)}**` : num(v)));
    lines.push(`| ${r.label} | ${cells.join(' | ')} |`);
    if (r.paper)
      lines.push(
        `| *${r.paper.label}* | ${r.paper.cells.map((v) => (v === null ? '–' : `*${num(v)}*`)).join(' | ')} |`,
      );
  }
  return `${lines.join('\n')}\n`;
}

const tex = (s: string) => s.replace(/([&%$#_{}])/g, '\\$1').replace(/~/g, '\\textasciitilde{}');

/** A booktabs table: models as column groups, metrics below, best values in bold. */
export function toLatex(t: CompareTable): string {
  const models = [...new Set(t.columns.map((c) => c.model))];
  const per = t.columns.length / Math.max(1, models.length);
  const lines = [
    `\\begin{tabular}{l${'r'.repeat(t.columns.length)}}`,
    '\\toprule',
    ` & ${models.map((m) => `\\multicolumn{${per}}{c}{${tex(m)}}`).join(' & ')} \\\\`,
    models.map((_, k) => `\\cmidrule(lr){${2 + k * per}-${1 + (k + 1) * per}}`).join(' '),
    `Method & ${t.columns.map((c) => METRIC_LABEL[c.metric].replace('@', '@')).join(' & ')} \\\\`,
    '\\midrule',
    ...t.rows.flatMap((r) => [
      `${tex(r.label)} & ${r.cells
        .map((v, j) => (v === null ? '--' : r.best[j] ? `\\textbf{${num(v)}}` : num(v)))
        .join(' & ')} \\\\`,
      ...(r.paper
        ? [
            `\\textit{${tex(r.paper.label)}} & ${r.paper.cells
              .map((v) => (v === null ? '--' : `\\textit{${num(v)}}`))
              .join(' & ')} \\\\`,
          ]
        : []),
    ]),
    '\\bottomrule',
    '\\end{tabular}',
  ];
  return `${lines.join('\n')}\n`;
}
