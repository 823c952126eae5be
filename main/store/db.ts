import Database from 'better-sqlite3';
import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageError, storageError } from '../errors';
import { MIGRATIONS } from './migrations';

export type Db = Database.Database;

/** The experiment store: one SQLite database plus artifact files under the same home directory. */
export class Store {
  readonly db: Db;
  readonly dbPath: string;
  /** A home this process may not write (another user's, a read-only mount): reading works. */
  readonly readonly: boolean;
  /** Where a read-only store's private copy lives, if it needed one. */
  private snapshotDir: string | undefined;

  constructor(readonly home: string) {
    this.dbPath = join(home, 'hkd.sqlite');
    try {
      mkdirSync(home, { recursive: true });
      this.readonly = !writable(home) || (existsSync(this.dbPath) && !writable(this.dbPath));
      this.db = this.readonly ? this.openReadonly() : new Database(this.dbPath);
      if (!this.readonly) {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = NORMAL');
      }
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
    } catch (e) {
      throw storageError(e, this.dbPath);
    }
    if (this.readonly) {
      if (schemaVersion(this.db) < MIGRATIONS.at(-1)!.version)
        throw new StorageError(`${home} is read-only and its store needs an upgrade to be read`);
    } else migrate(this.db);
  }

  /**
   * SQLite reads a WAL database in a folder it may not write only if its -shm file exists (a
   * writer is active); otherwise it reads a private copy, which is what the store held then.
   */
  private openReadonly(): Db {
    const db = new Database(this.dbPath, { readonly: true, fileMustExist: true });
    try {
      schemaVersion(db);
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      return db;
    } catch (e) {
      db.close();
      const code = (e as { code?: string }).code ?? '';
      if (!code.startsWith('SQLITE_READONLY') && code !== 'SQLITE_CANTOPEN') throw e;
    }
    this.snapshotDir = mkdtempSync(join(tmpdir(), 'hkd-readonly-'));
    const copy = join(this.snapshotDir, 'hkd.sqlite');
    copyFileSync(this.dbPath, copy);
    if (existsSync(`${this.dbPath}-wal`)) copyFileSync(`${this.dbPath}-wal`, `${copy}-wal`);
    return new Database(copy, { readonly: true, fileMustExist: true });
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
    if (this.readonly)
      throw new StorageError(`cannot write ${this.dbPath}: the data directory is read-only`);
    try {
      return this.db.transaction(fn).immediate();
    } catch (e) {
      throw storageError(e, this.dbPath);
    }
  }

  close(): void {
    this.db.close();
    if (this.snapshotDir) rmSync(this.snapshotDir, { recursive: true, force: true });
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
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
