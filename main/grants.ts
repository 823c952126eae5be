import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { InputError } from './errors';

/**
 * Files a face may read: only ones the user picked in a dialog, dropped on the window, or
 * uploaded in browser mode. The page only ever holds an opaque id, so it cannot name a path.
 */
export class FileGrants {
  private readonly grants = new Map<string, { path: string; shownAs: string; usedAt: number }>();

  /** `shownAs`: how the user knows the file (an upload's own name), else its path. */
  grant(path: string, shownAs?: string): string {
    const id = randomUUID();
    this.grants.set(id, {
      path: resolve(path),
      shownAs: shownAs ?? resolve(path),
      usedAt: Date.now(),
    });
    return id;
  }

  /** The file as the user knows it, for messages and a dataset's recorded source. */
  shownAs(id: string): string {
    this.path(id);
    return this.grants.get(id)!.shownAs;
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
