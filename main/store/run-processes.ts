import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StorageError } from '../errors';
import { removeTempFilesOf } from './array-file';
import type { Store } from './db';

// The processes that train runs: which are gone, and what a run that lost its process becomes.

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !zombie(pid);
}

/**
 * A killed trainer stays a zombie until its parent reaps it, and a container's PID 1 may never do
 * so; it still answers signal 0. Linux says so in /proc (the state after the command's ')').
 */
function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Marks runs whose training process is gone as interrupted; returns their ids. */
export function reapInterrupted(store: Store): number[] {
  if (store.readonly) return [];
  const rows = store.db.prepare("SELECT id, pid FROM runs WHERE status = 'running'").all() as {
    id: number;
    pid: number | null;
  }[];
  const gone = rows.filter((r) => r.pid === null || (r.pid !== process.pid && !alive(r.pid)));
  const dead = gone.map((r) => r.id);
  // Its process could not record why it ended (it was killed, crashed, or the disk was full).
  const mark = store.db.prepare(
    `UPDATE runs SET status = 'interrupted', error = COALESCE(error, ?)
     WHERE id = ? AND status = 'running'`,
  );
  try {
    store.write(() => dead.forEach((id) => mark.run(REAPED, id)));
  } catch (e) {
    // A full disk must not stop reading the store; the runs are reaped once it can be written.
    if (e instanceof StorageError) return [];
    throw e;
  }
  // A process killed while writing a checkpoint (a runner killed with it cannot clean up after
  // it) leaves a temporary file as large as the checkpoint.
  for (const r of gone)
    removeTempFilesOf(join(store.home, 'runs', String(r.id)), r.pid ?? undefined);
  return dead;
}

const REAPED =
  'its training process ended without recording why (killed, crashed, or the disk was full)';

/** The process training a run, if it is running. */
export function runPid(store: Store, id: number): number | null {
  const r = store.db.prepare("SELECT pid FROM runs WHERE id = ? AND status = 'running'").get(id) as
    { pid: number | null } | undefined;
  return r?.pid ?? null;
}
