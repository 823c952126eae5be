import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { InputError } from './errors';

/**
 * Files a face may read: only ones the user picked in a dialog, dropped on the window, or
 * uploaded in browser mode. The page only ever holds an opaque id, so it cannot name a path.
 */
export class FileGrants {
  private readonly paths = new Map<string, string>();

  grant(path: string): string {
    const id = randomUUID();
    this.paths.set(id, resolve(path));
    return id;
  }

  path(id: string): string {
    const p = this.paths.get(id);
    if (p === undefined)
      throw new InputError('unknown file: choose it in the file dialog, drop it or upload it');
    return p;
  }
}
