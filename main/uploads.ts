import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileGrants } from './grants';

export interface UploadLimits {
  /** Largest single upload, in bytes. */
  maxBytes: number;
  /** All uploads held at once, in bytes. */
  quotaBytes: number;
  /** An upload nobody has used for this long is removed. */
  idleMs: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxBytes: 8 * 1024 ** 3,
  quotaBytes: 16 * 1024 ** 3,
  idleMs: 60 * 60 * 1000,
};

export class UploadRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Files uploaded in browser mode. Each server keeps them in a folder of its own (named by its pid,
 * so a later server removes the folders of servers that are gone), removes one once it is imported
 * or left unused, holds at most `quotaBytes` at once, and removes all of them when it closes.
 */
export class Uploads {
  readonly dir: string;
  private readonly files = new Map<string, { path: string; bytes: number }>();
  private readonly busy = new Set<string>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    root: string,
    private readonly grants: FileGrants,
    private readonly limits: UploadLimits = DEFAULT_UPLOAD_LIMITS,
  ) {
    removeAbandoned(root);
    this.dir = join(root, `${process.pid}-${randomBytes(4).toString('hex')}`);
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, limits.idleMs)).unref();
  }

  get heldBytes(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.bytes;
    return n;
  }

  /** Streams `body` of `length` bytes into a new granted file; returns its grant id. */
  async receive(body: Readable, length: number, name: string): Promise<string> {
    if (length > this.limits.maxBytes)
      throw new UploadRefused(413, `an upload may hold at most ${this.limits.maxBytes} bytes`);
    if (this.heldBytes + length > this.limits.quotaBytes)
      throw new UploadRefused(
        413,
        `uploads waiting to be imported already hold ${this.heldBytes} bytes (quota ${this.limits.quotaBytes}); import or leave them first`,
      );
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, `${randomBytes(8).toString('hex')}-${name}`);
    // Reserve the space before the bytes arrive, so two uploads at once cannot pass the quota.
    const id = this.grants.grant(path, name);
    this.files.set(id, { path, bytes: length });
    try {
      let received = 0;
      body.on('data', (c: Buffer) => {
        received += c.length;
        if (received > length) body.destroy(new Error('more bytes than content-length'));
      });
      await pipeline(body, createWriteStream(path));
      if (received !== length) throw new Error('fewer bytes than content-length');
    } catch (e) {
      this.remove(id);
      throw new UploadRefused(400, `upload interrupted: ${e instanceof Error ? e.message : e}`);
    }
    return id;
  }

  /** Import jobs read uploads; one being read is never removed. */
  setBusy(path: string, busy: boolean): void {
    if (busy) this.busy.add(path);
    else this.busy.delete(path);
  }

  /** Removes the upload at `path` (it was imported). */
  release(path: string): void {
    for (const [id, f] of this.files) if (f.path === path) this.remove(id);
  }

  sweep(now = Date.now()): void {
    for (const [id, f] of this.files) {
      if (this.busy.has(f.path)) continue;
      if (now - (this.grants.usedAt(id) ?? 0) >= this.limits.idleMs) this.remove(id);
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const id of [...this.files.keys()]) this.remove(id);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private remove(id: string): void {
    const f = this.files.get(id);
    if (!f) return;
    this.files.delete(id);
    this.grants.revoke(id);
    rmSync(f.path, { force: true });
  }
}

/** Folders of upload stores whose server process is gone. */
function removeAbandoned(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) continue;
    rmSync(join(root, name), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
