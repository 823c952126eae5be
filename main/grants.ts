import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { InputError } from './errors';

/**
 * Files a face may read: only ones the user picked in a dialog, dropped on the window, or
 * uploaded in browser mode. The page only ever holds an opaque id, so it cannot name a path.
 */
export class FileGrants {
  private readonly grants = new Map<string, { path: string; usedAt: number }>();

  grant(path: string): string {
    const id = randomUUID();
    this.grants.set(id, { path: resolve(path), usedAt: Date.now() });
    return id;
  }

  path(id: string): string {
    const g = this.grants.get(id);
    if (g === undefined)
      throw new InputError('unknown file: choose it in the file dialog, drop it or upload it');
    g.usedAt = Date.now();
    return g.path;
  }

  /** When the file was granted or last asked for (an upload nobody uses is removed). */
  usedAt(id: string): number | undefined {
    return this.grants.get(id)?.usedAt;
  }

  revoke(id: string): void {
    this.grants.delete(id);
  }
}
