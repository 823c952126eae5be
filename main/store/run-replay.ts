import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../errors';
import type { RunInfo } from '../contract';
import { findArtifact, listArtifacts } from './artifacts';
import { now, type Store } from './db';
import { failRun, getRun } from './runs';

// A replay's record (ops/replay.ts): a run training a recorded run again, folded into it at the end.

/**
 * Inserts run `replayId`, queued or interrupted, with the identity and lineage of run `sourceId`
 * and none of its epochs (inside the caller's write transaction).
 */
export function insertReplay(
  store: Store,
  sourceId: number,
  replayId: number,
  r: { label: string; status: string },
): void {
  const db = store.db;
  db.prepare(
    `INSERT INTO runs (id, uid, label, kind, model, method, dataset_id, seed, teacher_run_id,
       split_id, config_json, status, app_version, created_at, replay_of)
     SELECT ?, ?, ?, kind, model, method, dataset_id, seed, teacher_run_id, split_id,
       config_json, ?, app_version, ?, id
     FROM runs WHERE id = ?`,
  ).run(replayId, randomUUID(), r.label, r.status, now(), sourceId);
  db.prepare(
    'INSERT INTO run_deps (run_id, depends_on) SELECT ?, depends_on FROM run_deps WHERE run_id = ?',
  ).run(replayId, sourceId);
}

/** Those of `sources` that a run learning from them needs replayed first (a results-only import). */
const lackingRepresentations = (store: Store, sources: RunInfo[]) =>
  sources.filter(
    (s) => s.status === 'completed' && !findArtifact(store, { runId: s.id }, 'embeddings'),
  );

/**
 * The replays a run learning from `sources` must wait for: a completed source without its
 * representations here (a results-only import) needs one pending, else this says how to get it.
 */
export function awaitedReplays(store: Store, sources: RunInfo[]): number[] {
  return lackingRepresentations(store, sources).map((s) => {
    const replay = pendingReplay(store, s.id);
    if (!replay)
      throw new InputError(
        `run #${s.id} has no representations here (a results-only import): replay it first (\`hkd runs replay ${s.id}\`)`,
      );
    return replay.id;
  });
}

/** The pending replays of those of `sources` that lack their representations here. */
export function pendingReplays(store: Store, sources: RunInfo[]): number[] {
  return lackingRepresentations(store, sources).flatMap(
    (s) => pendingReplay(store, s.id)?.id ?? [],
  );
}

/** The unfinished replay of run `id`, if there is one. */
export function pendingReplay(store: Store, id: number): RunInfo | undefined {
  const row = store.db
    .prepare("SELECT id FROM runs WHERE replay_of = ? AND status != 'completed' LIMIT 1")
    .get(id) as { id: number } | undefined;
  return row && getRun(store, row.id);
}

/**
 * Gives the recorded run the files of its completed replay that it lacks (its representations,
 * parameters and last checkpoint, moved into its own folder), then deletes the replay: its
 * epochs were checked equal to the recorded ones as they came (ops/replay-check.ts).
 */
export function foldReplay(store: Store, replayId: number): { sourceId: number; moved: string[] } {
  const replay = getRun(store, replayId);
  const sourceId = replay.replayOf;
  if (sourceId === null) throw new InputError(`run #${replayId} is not a replay`);
  const source = getRun(store, sourceId);
  if (replay.epochsRun !== source.epochsRun)
    throw new InputError(
      `run #${replayId} stopped after ${replay.epochsRun} epochs, run #${sourceId} after ${source.epochsRun}`,
    );
  const has = new Set(listArtifacts(store, sourceId).map((a) => a.kind));
  const moves = listArtifacts(store, replayId)
    .filter((a) => !has.has(a.kind))
    .map((a) => ({ ...a, to: join('runs', `${sourceId}`, basename(a.path)) }));
  for (const m of moves)
    if (existsSync(join(store.home, m.to)))
      throw new InputError(`run #${sourceId} already has a file ${m.to}`);
  mkdirSync(join(store.home, 'runs', `${sourceId}`), { recursive: true });
  const done: typeof moves = [];
  try {
    for (const m of moves) {
      renameSync(join(store.home, m.path), join(store.home, m.to));
      done.push(m);
    }
    store.write(() => {
      const move = store.db.prepare('UPDATE artifacts SET run_id = ?, path = ? WHERE id = ?');
      for (const m of moves) move.run(sourceId, m.to, m.id);
      store.db.prepare('DELETE FROM runs WHERE id = ?').run(replayId);
    });
  } catch (e) {
    for (const m of done) renameSync(join(store.home, m.to), join(store.home, m.path));
    throw e;
  }
  rmSync(join(store.home, 'runs', `${replayId}`), { recursive: true, force: true });
  return { sourceId, moved: moves.map((m) => m.kind) };
}

/** Folds run `id` into its recorded run if it is a replay; one that cannot be folded fails, saying why. */
export function foldIfReplay(store: Store, id: number): void {
  if (getRun(store, id).replayOf === null) return;
  try {
    foldReplay(store, id);
  } catch (e) {
    failRun(store, id, e instanceof Error ? e.message : String(e));
  }
}
