import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from './migrations';

export type Db = Database.Database;

/** The experiment store: one SQLite database plus artifact files under the same home directory. */
export class Store {
  readonly db: Db;

  constructor(readonly home: string) {
    mkdirSync(home, { recursive: true });
    this.db = new Database(join(home, 'hkd.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
  }

  /** Absolute path of an artifact, creating its folder; `rel` is stored in rows. */
  artifactPath(rel: string): string {
    const abs = join(this.home, rel);
    mkdirSync(join(abs, '..'), { recursive: true });
    return abs;
  }

  /**
   * Runs `fn` as one transaction that takes the write lock first (BEGIN IMMEDIATE). A deferred
   * transaction that reads and then writes fails at once with "database is locked" when another
   * process has written since its read; every write to the store goes through here.
   */
  write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  close(): void {
    this.db.close();
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db): void {
  for (const m of MIGRATIONS) {
    if (m.version <= schemaVersion(db)) continue;
    // IMMEDIATE takes the write lock first, so two processes opening a fresh home cannot both
    // apply the same step: the second re-reads the version under the lock and skips it.
    db.transaction(() => {
      if (m.version <= schemaVersion(db)) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

export function now(): string {
  return new Date().toISOString();
}
