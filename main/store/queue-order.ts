import { InputError } from '../errors';
import type { Store } from './db';
import { dependenciesOf, QUEUE_ORDER } from './queue';
import { getRun } from './runs';

// Choosing which queued runs start next. A run still waits for the runs it is built from,
// wherever it stands.

/** Queued runs' ids in the order they start (a run waiting for another is listed where it stands). */
export function queueOrder(store: Store): number[] {
  return (
    store.db
      .prepare(`SELECT q.id FROM runs q WHERE q.status = 'queued' ORDER BY ${QUEUE_ORDER}`)
      .all() as { id: number }[]
  ).map((r) => r.id);
}

/**
 * Moves queued runs to the front of the queue in the order given, each after the queued runs it
 * is built from (a TAKD student brings its chain). Returns the queue's new order.
 */
export function runNext(store: Store, ids: number[]): number[] {
  const rank = store.db.prepare('UPDATE runs SET queue_rank = ? WHERE id = ?');
  const lowest = store.db.prepare(
    "SELECT MIN(queue_rank) AS low FROM runs WHERE status = 'queued'",
  );
  // In one transaction with the checks: a runner claiming one of them meanwhile is seen.
  store.write(() => {
    for (const id of ids) {
      const r = getRun(store, id);
      if (r.status !== 'queued')
        throw new InputError(`run #${id} is ${r.status}; only queued runs can be moved`);
    }
    const order: number[] = [];
    const place = (id: number) => {
      if (order.includes(id)) return;
      for (const d of dependenciesOf(store, id)) if (d.status === 'queued') place(d.id);
      order.push(id);
    };
    ids.forEach(place);
    const { low } = lowest.get() as { low: number | null };
    const first = Math.min(low ?? 0, 0) - order.length;
    order.forEach((id, i) => rank.run(first + i, id));
  });
  return queueOrder(store);
}
