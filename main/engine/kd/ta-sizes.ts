/**
 * METHOD.md §5.4, Eq. 20: d_i = ⌊d_S + i·(d_T − d_S)/(m + 1)⌋ for i = 1..m, in integer
 * arithmetic, without duplicates or sizes ≤ d_S.
 */
export function taSizes(dT: number, dS: number, m: number): { raw: number[]; sizes: number[] } {
  const raw = Array.from({ length: m }, (_, k) =>
    Math.floor((dS * (m + 1) + (k + 1) * (dT - dS)) / (m + 1)),
  );
  const sizes: number[] = [];
  for (const d of raw) if (d > dS && !sizes.includes(d)) sizes.push(d);
  return { raw, sizes };
}
