import { seedPoolKey } from '../shared/seed-groups';
import type { Repetition, RunInfo } from '../contract';
import { InputError } from '../errors';
import type { Store } from '../store/db';
import { getRun, listRuns } from '../store/runs';
import { reapInterrupted } from '../store/run-processes';
import { distillRequest, queueDistill } from './distill';
import { queueTraining } from './train';

/** A run still on its way to a result, or there: another seed's twin is not queued twice. */
const USABLE = ['completed', 'queued', 'running'];

/**
 * Finds `run`'s experiment with `seed` among the runs stored now: the first usable run whose key
 * (the one Compare pools seeds by) and seed match. Runs queued afterwards for one seed are never
 * another seed's twin, so one listing serves a whole repetition.
 */
function twinFinder(store: Store): (run: RunInfo, seed: number) => RunInfo | undefined {
  const runs = listRuns(store);
  const byId = new Map(runs.map((r) => [r.id, r]));
  const key = (r: RunInfo, seed: number) => `${seed} ${seedPoolKey(r, (id) => byId.get(id))}`;
  const usable = new Map<string, RunInfo>();
  for (const r of runs) {
    const k = key(r, r.seed);
    if (USABLE.includes(r.status) && !usable.has(k)) usable.set(k, r);
  }
  return (run, seed) => (run.seed === seed ? run : usable.get(key(run, seed)));
}

/** A label names one run (a teacher can be picked by label): each seed's gets its seed. */
const seeded = (config: Record<string, unknown>, seed: number) =>
  typeof config.label === 'string' ? { label: `${config.label} (seed ${seed})` } : {};

/**
 * Repeats a run's experiment with other seeds (a split and an initialisation each), as the
 * paper's tables average five. A distillation gets its teacher's twin of the same seed, queued
 * first if it does not exist; runs that already exist for a seed are reused, never doubled.
 */
export async function repeatRun(store: Store, id: number, seeds: number[]): Promise<Repetition> {
  const run = getRun(store, id);
  reapInterrupted(store);
  const teacher = run.teacherRunId === null ? undefined : getRun(store, run.teacherRunId);
  if (run.kind === 'distill' && teacher?.kind !== 'train')
    throw new InputError(
      `run #${id}'s teacher ${teacher ? `#${teacher.id} is a distilled run` : 'was deleted'}; ` +
        'only students of trained teachers can be repeated',
    );
  const twin = twinFinder(store);
  const out: Repetition = { runs: [], queued: [] };
  for (const seed of new Set(seeds)) {
    const existing = twin(run, seed);
    if (existing) {
      out.runs.push({ seed, id: existing.id, queued: false });
      continue;
    }
    if (run.kind === 'train') {
      const row = queueTraining(store, { ...run.config, seed, ...seeded(run.config, seed) });
      out.runs.push({ seed, id: row.id, queued: true });
      out.queued.push(row.id);
      continue;
    }
    let t = twin(teacher!, seed);
    if (!t) {
      t = queueTraining(store, { ...teacher!.config, seed, ...seeded(teacher!.config, seed) });
      out.queued.push(t.id);
    }
    const q = await queueDistill(store, {
      ...distillRequest(run.config),
      teacher: t.id,
      ...seeded(run.config, seed),
    });
    out.queued.push(...q.prerequisites.map((r) => r.id), q.run.id);
    out.runs.push({ seed, id: q.run.id, queued: true });
  }
  return out;
}
