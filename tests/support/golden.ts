import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** Nested numeric arrays as stored in kd-golden.json. */
export type Nested = number | Nested[];

// Parsed loosely on purpose: tests describe the parts they use (see tests/fixtures/KD-GOLDEN.md).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const G: any = JSON.parse(
  readFileSync(new URL('../fixtures/kd-golden.json', import.meta.url), 'utf8'),
);

export function flat(x: Nested): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x];
}

export function shapeOf(x: Nested): number[] {
  return Array.isArray(x) ? [x.length, ...shapeOf(x[0])] : [];
}

/** |a − e| ≤ atol + rtol·|e| elementwise, reporting the worst offender. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: Nested | ArrayLike<number>,
  atol = 1e-5,
  rtol = 1e-5,
  what = 'value',
): void {
  const e = Array.isArray(expected)
    ? flat(expected as Nested)
    : Array.from(expected as ArrayLike<number>);
  const a = Array.from(actual);
  expect(a.length, `${what}: length`).toBe(e.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < e.length; i++) {
    const excess = Math.abs(a[i] - e[i]) - (atol + rtol * Math.abs(e[i]));
    if (excess > worstExcess || Number.isNaN(a[i])) {
      worst = i;
      worstExcess = Number.isNaN(a[i]) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}[${worst}] = ${a[worst]}, expected ${e[worst]} (±${atol} + ${rtol}·|e|)`);
  }
}

/** Leaves of a nested params/grads tree as [path, value] pairs, paths like `ta_de.0.user.W1`. */
export function leaves(tree: unknown, prefix = ''): [string, Nested][] {
  if (typeof tree === 'number' || (Array.isArray(tree) && !isTreeList(tree))) {
    return [[prefix, tree as Nested]];
  }
  const entries = Array.isArray(tree)
    ? tree.map((v, i) => [String(i), v] as const)
    : Object.entries(tree as object);
  return entries.flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

function isTreeList(x: unknown[]): boolean {
  return x.length > 0 && typeof x[0] === 'object' && x[0] !== null && !Array.isArray(x[0]);
}

export function at(tree: unknown, path: string): Nested {
  return path
    .split('.')
    .reduce<unknown>((t, k) => (t as Record<string, unknown>)[k], tree) as Nested;
}
