import { pathToFileURL } from 'node:url';

// What the desktop shell trusts, as plain functions (no Electron here) so the rules are tested
// under Node where the Electron runtime is missing.

/** Whether `url` is the workbench page itself: this file, any route (#/…) of it, nothing else. */
export function isAppPage(url: string, rendererFile: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const own = pathToFileURL(rendererFile);
  return u.protocol === 'file:' && u.host === own.host && u.pathname === own.pathname && !u.search;
}

/**
 * Paths the preload saw in a real (trusted) drop on the window, each granted at most once and
 * only shortly after: a page that calls the grant with a path of its choosing gets nothing.
 */
export class DroppedPaths {
  private readonly seen = new Map<string, number>();

  constructor(private readonly ttlMs = 60_000) {}

  add(path: unknown, now = Date.now()): void {
    if (typeof path !== 'string' || path === '' || path.length > 4096) return;
    for (const [p, t] of this.seen) if (now - t > this.ttlMs) this.seen.delete(p);
    this.seen.set(path, now);
  }

  /** Removes and returns whether `path` was dropped within the time limit. */
  take(path: unknown, now = Date.now()): path is string {
    if (typeof path !== 'string') return false;
    const t = this.seen.get(path);
    this.seen.delete(path);
    return t !== undefined && now - t <= this.ttlMs;
  }
}
