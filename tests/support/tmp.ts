import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** A fresh directory removed after the current test. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hkd-test-'));
  dirs.push(d);
  return d;
}

/** Writes `content` to a new file in a temp directory and returns its path. */
export function tempFile(name: string, content: string | Buffer): string {
  const p = join(tempDir(), name);
  writeFileSync(p, content);
  return p;
}

/**
 * A users.dat with `users` lines, each with `perUser` distinct items from a catalogue of
 * `items`, deterministic; enough unobserved items for 499 candidates when items ≥ 520.
 */
export function usersDat(users: number, items: number, perUser: number): string {
  const lines: string[] = [];
  for (let u = 0; u < users; u++) {
    const ids = Array.from({ length: perUser }, (_, k) => (u * 7 + k * 13) % items);
    lines.push([new Set(ids).size, ...new Set(ids)].join(' '));
  }
  return `${lines.join('\n')}\n`;
}
