import { kebab, type PlanFormat, type SweepPlan } from '../contract';
import type { Store } from '../store/db';
import { getSweep } from '../store/sweeps';
import { APP_VERSION } from '../version';
import { unfinishedRuns, type PlannedRun, type TeacherSlot } from './sweeps';

// A sweep's missing runs as `hkd` commands for another machine: a shell script for one home, or
// a Slurm array job whose tasks each train one group (a teacher and its students, or one student
// whose teacher is done) in a home of their own and export it as a bundle. Importing the bundles
// here completes the sweep. No scheduler of our own: the cluster's is the scheduler.

const quote = (v: string) => `'${v.replaceAll("'", `'\\''`)}'`;
const flag = (k: string) => `--${kebab(k)}`;

/** Fields the commands take positionally or not at all. */
const NOT_FLAGS = new Set(['guideRuns', 'pretrainedTaRuns', 'modelOptions']);

/** A request as the `hkd train` / `hkd distill` command that makes the same run. */
export function commandOf(kind: 'train' | 'distill', request: Record<string, unknown>): string {
  const args: string[] = [kind];
  for (const [k, v] of Object.entries(request)) {
    if (v === undefined || NOT_FLAGS.has(k)) continue;
    if (k === 'gate') {
      if (v === false) args.push('--no-gate');
    } else if (k === 'taSource') {
      if (v !== 'hypernet') args.push('--no-hypernet', quote(String(v)));
    } else if (Array.isArray(v)) args.push(flag(k), quote(v.join(',')));
    else args.push(flag(k), typeof v === 'number' ? String(v) : quote(String(v)));
  }
  return `$HKD ${args.join(' ')}`;
}

interface Group {
  /** Runs in the order they train; the first may be the teacher the rest learn from. */
  commands: string[];
  labels: string[];
}

/** The runs to make elsewhere, grouped so a group needs nothing but the base bundle. */
function groups(missing: PlannedRun[]): { groups: Group[]; baseRuns: number[] } {
  const byTeacher = new Map<TeacherSlot, Group>();
  const out: Group[] = [];
  const base = new Set<number>();
  const teacherRef = (t: TeacherSlot) => {
    if (t.run?.status === 'completed') {
      base.add(t.run.id);
      return t.run.uid;
    }
    let g = byTeacher.get(t);
    if (!g) {
      g = { commands: [commandOf('train', t.request)], labels: [String(t.request.label)] };
      byTeacher.set(t, g);
      out.push(g);
    }
    return String(t.request.label);
  };
  for (const p of missing) {
    if (p.method === 'Teacher') {
      teacherRef(p.teacher);
      continue;
    }
    const label = String(p.request.label);
    const command =
      p.kind === 'train'
        ? commandOf('train', p.request)
        : commandOf('distill', { ...p.request, teacher: teacherRef(p.teacher) });
    const g = p.kind === 'distill' ? byTeacher.get(p.teacher) : undefined;
    if (g) {
      g.commands.push(command);
      g.labels.push(label);
    } else out.push({ commands: [command], labels: [label] });
  }
  return { groups: out, baseRuns: [...base] };
}

/**
 * The script that makes a sweep's unfinished runs elsewhere. It expects `base.hkdb` beside it
 * (this home's dataset and the finished runs it builds on: `hkd sweep plan --out` writes both).
 */
export async function sweepPlan(store: Store, id: number, format: PlanFormat): Promise<SweepPlan> {
  const row = getSweep(store, id);
  const missing = await unfinishedRuns(store, id);
  const { groups: gs, baseRuns } = groups(missing);
  const runs = gs.reduce((n, g) => n + g.commands.length, 0);
  const functions = gs.map((g, i) =>
    [
      `group_${i + 1}() {`,
      ...g.commands.map((c) => `  ${c}`),
      `  $HKD runs export ${g.labels.map(quote).join(' ')} --out "$OUT/sweep-${id}-group-${i + 1}.hkdb"`,
      '}',
    ].join('\n'),
  );
  const head = [
    format === 'slurm' ? '#!/bin/bash' : '#!/bin/sh',
    ...(format === 'slurm'
      ? [
          `#SBATCH --job-name=hkd-sweep-${id}`,
          `#SBATCH --array=1-${Math.max(gs.length, 1)}`,
          '#SBATCH --cpus-per-task=2',
          `#SBATCH --output=hkd-sweep-${id}-%a.log`,
        ]
      : []),
    `# Sweep #${id} '${row.name}' on '${row.dataset}': ${runs} run(s) not completed in the home`,
    `# that wrote this (hkd ${APP_VERSION}), in ${gs.length} group(s). Run it where the project is`,
    '# installed (HKD: the hkd command, e.g. "node /opt/hkd/bin/hkd.cjs"; default hkd), beside',
    format === 'slurm'
      ? `# base.hkdb (submit from its folder: cd <dir> && sbatch sweep-${id}.sbatch); then, back there:`
      : '# base.hkdb; then, back there:',
    `#   hkd runs import <OUT>/sweep-${id}-group-*.hkdb && hkd sweep show ${id}`,
    'set -eu',
    'HKD="${HKD:-hkd}"',
    // sbatch runs a copy of the script from its spool: the plan's folder is where it was submitted.
    format === 'slurm'
      ? 'HERE="${SLURM_SUBMIT_DIR:-$(cd "$(dirname "$0")" && pwd)}"'
      : 'HERE="$(cd "$(dirname "$0")" && pwd)"',
    'OUT="${OUT:-$HERE/bundles}"',
    'mkdir -p "$OUT"',
  ];
  const setup = (home: string) => [
    `export HKD_HOME="${home}"`,
    '$HKD runs import "$HERE/base.hkdb"',
  ];
  const body =
    format === 'slurm'
      ? [
          // Each task trains in a home of its own: SQLite on a shared file system is not safe to
          // write from many nodes at once.
          ...setup('${HKD_HOME_BASE:-$HERE/homes}/task-$SLURM_ARRAY_TASK_ID'),
          'group_"$SLURM_ARRAY_TASK_ID"',
        ]
      : [
          ...setup('${HKD_HOME:-$HERE/home}'),
          `for g in ${gs.map((_, i) => i + 1).join(' ')}; do group_"$g"; done`,
        ];
  const text = gs.length
    ? [...head, '', ...functions, '', ...body, ''].join('\n')
    : [head[0], `# Sweep #${id}: every run has completed here; nothing to plan.`, ''].join('\n');
  return { text, runs, groups: gs.length, baseRuns };
}
