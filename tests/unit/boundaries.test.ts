import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without type declarations
import { findPath, RULES } from '../../scripts/check-boundaries.mjs';
import { tempDir } from '../support/tmp';

type Find = (entry: string, bad: (m: string) => boolean) => string[] | undefined;
const find = findPath as Find;

describe('process boundary check (npm run lint)', () => {
  it('holds for the trainer process and the renderer', () => {
    for (const r of RULES as { entry: string; bad: (m: string) => boolean }[])
      expect(find(r.entry, r.bad)).toBeUndefined();
  });

  it('names the chain to a forbidden module, and ignores imports erased as types', () => {
    const dir = tempDir();
    const file = (name: string, text: string) => writeFileSync(join(dir, name), text);
    file('entry.ts', "import { a } from './a';\nimport type { Db } from './types';\n");
    file('a.ts', "export { b as a } from './b';\n");
    file('b.ts', "import Database from 'better-sqlite3';\nexport const b = Database;\n");
    file('types.ts', "import { type X } from 'forbidden-too';\nexport type Db = X;\n");
    const chain = find(
      join(dir, 'entry.ts'),
      (m) => m === 'better-sqlite3' || m === 'forbidden-too',
    );
    expect(chain?.slice(-2)).toEqual([join(dir, 'b.ts'), 'better-sqlite3']);
    file('entry.ts', "import type { a } from './a';\n");
    expect(find(join(dir, 'entry.ts'), (m) => m === 'better-sqlite3')).toBeUndefined();
  });
});
