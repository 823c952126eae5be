import type { Store } from './db';

// Small values the store keeps between sessions (the queue's concurrency, the last run id).

export function getSetting<T>(store: Store, key: string, fallback: T): T {
  const r = store.db.prepare('SELECT value_json FROM settings WHERE key = ?').get(key) as
    { value_json: string } | undefined;
  return r ? (JSON.parse(r.value_json) as T) : fallback;
}

export function setSetting(store: Store, key: string, value: unknown): void {
  store.db
    .prepare(
      `INSERT INTO settings (key, value_json) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json`,
    )
    .run(key, JSON.stringify(value));
}
