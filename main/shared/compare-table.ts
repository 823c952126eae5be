import { methodFacts, runDim, type Metrics, type RunInfo } from '../contract';
import { extraText, pooledExtra, type ExtraColumn, type ExtraValue } from './compare-columns';
import { meanSd } from './mean-sd';
import { variantOf } from './run-variant';
import { poolBySeed } from './seed-groups';
import { pairedTTest } from './t-test';
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

/** What a HyperKDMA run leaves out (the paper's ablations), as its row name says. */
function ablation(r: RunInfo): string {
  if (!methodFacts(r.method)?.generatesTas) return '';
  const source = r.config.taSource ?? 'hypernet';
  return (
    (r.config.gate === false ? ' w/o GNet' : '') +
    (source === 'hypernet' ? '' : ` w/o HNet (${String(source)})`)
  );
}

/**
 * The row name of the paper's table: the method with its student's size, or a base model as the
 * teacher (of a run in the table) or a student trained without KD.
 */
export function rowLabel(r: RunInfo, teachers: ReadonlySet<number> = new Set()): string {
  if (r.method) return `${r.method}${ablation(r)}${variantOf(r)} d=${runDim(r)}`;
  return teachers.has(r.id)
    ? `Teacher ${r.model} d=${runDim(r)}`
    : `${r.model} d=${runDim(r)} (no KD)`;
}

export const runTitle = (r: RunInfo): string =>
  `#${r.id} ${r.label ?? `${r.method ?? r.model} d=${runDim(r)}`}`;

export interface CompareRow {
  label: string;
  /** The run, or the runs of several seeds pooled into this row. */
  runIds: number[];
  /** Test metrics: the run's, or the mean over the pooled runs. */
  cells: (number | null)[];
  /** Sample standard deviation over the pooled runs (two or more), else null. */
  sd: (number | null)[];
  /** Test H@5 (mean), whichever metrics are shown: the recovered gap uses it. */
  h5: number | null;
  best: boolean[];
  /** Relative change against the baseline's row, if any. */
  delta: (number | null)[];
  /** Paired t-test against the baseline's row over the seeds both hold (two or more): p. */
  p: (number | null)[];
  /** The paper's values for the row this run reproduces, and the run's difference from them. */
  paper: { label: string; cells: (number | null)[]; gap: (number | null)[] } | null;
  /** The extra columns' values (over the pooled runs that have one: see compare-columns.ts). */
  extra: ExtraValue[];
}

export interface CompareTable {
  columns: { model: string; metric: MetricKey }[];
  rows: CompareRow[];
  /** The extra columns after the metrics (e.g. Table 3's cluster spread), by name. */
  extras: { name: string; digits: number }[];
}

export interface CompareOptions {
  baselineId?: number;
  /** The paper's row a run reproduces (see paper-results.ts), to set beside it. */
  paper?: (r: RunInfo) => PaperRow | null;
  /** One row per configuration: runs that differ only in their seed are pooled (mean ± sd). */
  poolSeeds?: boolean;
  /** Looks up a distilled run's teacher, so that students of different teachers stay apart. */
  runById?: (id: number) => RunInfo | undefined;
  extras?: ExtraColumn[];
}

/** " (3 seeds)"; repeats of one seed (a re-run) are counted as such. */
function pooledCount(g: RunInfo[]): string {
  if (g.length === 1) return '';
  const seeds = new Set(g.map((r) => r.seed)).size;
  return seeds === g.length
    ? ` (${seeds} seeds)`
    : ` (${g.length} runs, ${seeds} seed${seeds > 1 ? 's' : ''})`;
}

/** A row's value of each seed (the first run's, if a seed was run twice). */
function bySeed(g: RunInfo[], model: string, metric: keyof Metrics): Map<number, number> {
  const out = new Map<number, number>();
  for (const r of g)
    if (r.model === model && r.summary && !out.has(r.seed)) out.set(r.seed, r.summary.test[metric]);
  return out;
}

/**
 * The paper's layout: one row per run (named by its method), or per configuration with its seeds
 * pooled, one column per model × metric; the best value of each column is marked, and each cell
 * can show its change over a baseline and its difference from the paper.
 */
export function compareTable(
  runs: RunInfo[],
  metrics: readonly MetricKey[],
  o: CompareOptions = {},
): CompareTable {
  const models = [...new Set(runs.map((r) => r.model))];
  const columns = models.flatMap((model) => metrics.map((metric) => ({ model, metric })));
  const groups = o.poolSeeds ? poolBySeed(runs, o.runById) : runs.map((r) => [r]);
  const teachers = new Set(runs.flatMap((r) => (r.teacherRunId === null ? [] : [r.teacherRunId])));
  const stats = (g: RunInfo[], model: string, metric: keyof Metrics) =>
    meanSd(g.flatMap((r) => (r.model === model && r.summary ? [r.summary.test[metric]] : [])));
  const pooled = groups.map((g) => {
    const cellStats = columns.map((c) => stats(g, c.model, c.metric));
    return {
      g,
      cells: cellStats.map((x) => x.mean),
      sd: cellStats.map((x) => x.sd),
      bySeed: columns.map((c) => bySeed(g, c.model, c.metric)),
    };
  });
  const baseline = pooled.find(
    ({ g }) => o.baselineId !== undefined && g.some((r) => r.id === o.baselineId),
  );
  const best = columns.map((_, j) => Math.max(...pooled.map((r) => r.cells[j] ?? -Infinity)));
  const rows = pooled.map((row) => {
    const { g, cells } = row;
    const ref = o.paper?.(g[0]);
    const refCells = columns.map((c) =>
      ref && c.model === g[0].model ? (ref.values[c.metric as keyof PaperValues] ?? null) : null,
    );
    const against = row === baseline ? undefined : baseline;
    return {
      label: rowLabel(g[0], teachers) + pooledCount(g),
      runIds: g.map((r) => r.id),
      cells,
      sd: row.sd,
      h5: stats(g, g[0].model, 'H5').mean,
      best: cells.map((v, j) => v !== null && v === best[j]),
      delta: cells.map((v, j) => {
        const b = against?.cells[j] ?? null;
        return v === null || b === null || b === 0 ? null : (v - b) / b;
      }),
      p: row.bySeed.map((mine, j) => {
        if (!against) return null;
        const theirs = against.bySeed[j];
        const seeds = [...mine.keys()].filter((s) => theirs.has(s));
        const test = pairedTTest(
          seeds.map((s) => mine.get(s)!),
          seeds.map((s) => theirs.get(s)!),
        );
        return test?.p ?? null;
      }),
      paper: ref
        ? {
            label: `paper: ${ref.row} (${ref.source})`,
            cells: refCells,
            gap: cells.map((v, j) => (v === null || refCells[j] === null ? null : v - refCells[j])),
          }
        : null,
      extra: (o.extras ?? []).map((x) => pooledExtra(x, g)),
    };
  });
  return {
    columns,
    rows,
    extras: (o.extras ?? []).map((x) => ({ name: x.name, digits: x.digits })),
  };
}

/** A CSV field: quoted when it holds a quote, comma or line break. */
export const csvField = (s: string): string =>
  /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;

/** Share of the teacher–student gap a distilled student closes: (d − s) / (t − s). */
export function recoveredGap(distilled: number, student: number, teacher: number): number | null {
  return teacher === student ? null : (distilled - student) / (teacher - student);
}

/** Every config key with each run's value; `onlyDifferent` keeps the keys where they differ. */
export function configDiff(
  runs: RunInfo[],
  onlyDifferent: boolean,
): { key: string; values: string[]; differs: boolean }[] {
  // A base model's `dim` and a student's `studentDim` are one thing here: the run's size.
  const configs = runs.map((r) => {
    const c: Record<string, unknown> = { size: runDim(r), ...r.config };
    delete c.dim;
    delete c.studentDim;
    return c;
  });
  const keys = [...new Set(configs.flatMap((c) => Object.keys(c)))].sort();
  return keys
    .map((key) => {
      const values = configs.map((c) => (key in c ? JSON.stringify(c[key]) : '–'));
      return { key, values, differs: new Set(values).size > 1 };
    })
    .filter((row) => !onlyDifferent || row.differs);
}

const header = (t: CompareTable) => t.columns.map((c) => `${c.model} ${METRIC_LABEL[c.metric]}`);
/** A row's extra values as text; a paper row has none. */
const extraCells = (t: CompareTable, r: CompareRow | null, none: string) =>
  t.extras.map((x, j) => extraText(r ? r.extra[j] : null, x.digits, none));
const extraNames = (t: CompareTable) => t.extras.map((x) => x.name);
const num = (v: number | null) => (v === null ? '' : v.toFixed(4));
const pooled = (t: CompareTable) => t.rows.some((r) => r.sd.some((x) => x !== null));
/** A mean with its spread where seeds were pooled. */
const withSd = (v: string, sd: number | null, pm: string) =>
  sd === null ? v : `${v}${pm}${num(sd)}`;

/**
 * The rows as a file lists them: the paper's row once, under the first run that reproduces it
 * (several runs of one setting would repeat it).
 */
function fileRows(t: CompareTable): CompareRow[] {
  const seen = new Set<string>();
  return t.rows.map((r) => {
    if (!r.paper || !seen.has(r.paper.label)) {
      if (r.paper) seen.add(r.paper.label);
      return r;
    }
    return { ...r, paper: null };
  });
}

export function toCsv(t: CompareTable): string {
  // Pooled seeds add one sd column per metric column.
  const sd = pooled(t);
  const none = sd ? t.columns.map(() => '') : [];
  const lines = [
    [
      'method',
      'run',
      ...header(t),
      ...(sd ? header(t).map((h) => `${h} sd`) : []),
      ...extraNames(t),
    ]
      .map(csvField)
      .join(','),
  ];
  for (const r of fileRows(t)) {
    const sds = sd ? r.sd.map(num) : [];
    const extra = extraCells(t, r, '').map(csvField);
    lines.push(
      [csvField(r.label), r.runIds.join(' '), ...r.cells.map(num), ...sds, ...extra].join(','),
    );
    if (r.paper)
      lines.push(
        [
          csvField(r.paper.label),
          '',
          ...r.paper.cells.map(num),
          ...none,
          ...extraCells(t, null, ''),
        ].join(','),
      );
  }
  return `${lines.join('\n')}\n`;
}

export function toMarkdown(t: CompareTable): string {
  const lines = [
    `| Method | ${[...header(t), ...extraNames(t)].join(' | ')} |`,
    `|---|${[...t.columns, ...t.extras].map(() => '---:').join('|')}|`,
  ];
  for (const r of fileRows(t)) {
    const cells = r.cells.map((v, j) =>
      v === null ? '–' : withSd(r.best[j] ? `**${num(v)}**` : num(v), r.sd[j], ' ± '),
    );
    lines.push(`| ${r.label} | ${[...cells, ...extraCells(t, r, '–')].join(' | ')} |`);
    if (r.paper)
      lines.push(
        `| *${r.paper.label}* | ${[...r.paper.cells.map((v) => (v === null ? '–' : `*${num(v)}*`)), ...extraCells(t, null, '–')].join(' | ')} |`,
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
    `\\begin{tabular}{l${'r'.repeat(t.columns.length + t.extras.length)}}`,
    '\\toprule',
    ` & ${[...models.map((m) => `\\multicolumn{${per}}{c}{${tex(m)}}`), ...t.extras.map(() => '')].join(' & ')} \\\\`,
    models.map((_, k) => `\\cmidrule(lr){${2 + k * per}-${1 + (k + 1) * per}}`).join(' '),
    `Method & ${[...t.columns.map((c) => METRIC_LABEL[c.metric]), ...extraNames(t).map(tex)].join(' & ')} \\\\`,
    '\\midrule',
    ...fileRows(t).flatMap((r) => [
      `${tex(r.label)} & ${r.cells
        .map((v, j) =>
          v === null
            ? '--'
            : withSd(r.best[j] ? `\\textbf{${num(v)}}` : num(v), r.sd[j], ' $\\pm$ '),
        )
        .concat(extraCells(t, r, '--').map(tex))
        .join(' & ')} \\\\`,
      ...(r.paper
        ? [
            `\\textit{${tex(r.paper.label)}} & ${r.paper.cells
              .map((v) => (v === null ? '--' : `\\textit{${num(v)}}`))
              .concat(t.extras.map(() => '--'))
              .join(' & ')} \\\\`,
          ]
        : []),
    ]),
    '\\bottomrule',
    '\\end{tabular}',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The recovered gap's ends a selection holds: the teacher its distilled runs learned from, and a
 * base model of their students' size trained without KD.
 */
export function gapEnds(runs: RunInfo[]): { teacher?: number; student?: number } {
  const distilled = runs.filter((r) => r.kind === 'distill');
  const teacher = runs.find((r) => distilled.some((d) => d.teacherRunId === r.id))?.id;
  const student = runs.find(
    (r) =>
      r.kind === 'train' &&
      r.id !== teacher &&
      distilled.some((d) => d.model === r.model && runDim(d) === runDim(r)),
  )?.id;
  return { teacher, student };
}
