/** Gate weights of n entities over m TAs, row-major (one row per user or item). */
export interface GateMatrix {
  n: number;
  m: number;
  weights: Float32Array;
}

export function entropies(g: GateMatrix): Float64Array {
  const h = new Float64Array(g.n);
  for (let e = 0; e < g.n; e++) {
    let s = 0;
    for (let i = 0; i < g.m; i++) {
      const w = g.weights[e * g.m + i];
      if (w > 0) s -= w * Math.log(w);
    }
    h[e] = s;
  }
  return h;
}

export function dominantTas(g: GateMatrix): Int32Array {
  const d = new Int32Array(g.n);
  for (let e = 0; e < g.n; e++) {
    let best = 0;
    for (let i = 1; i < g.m; i++) if (g.weights[e * g.m + i] > g.weights[e * g.m + best]) best = i;
    d[e] = best;
  }
  return d;
}

/** The smallest and largest weight in the matrix. */
export function weightRange(g: GateMatrix): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const w of g.weights) {
    if (w < min) min = w;
    if (w > max) max = w;
  }
  return g.weights.length > 0 ? { min, max } : { min: 0, max: 0 };
}

export function meanWeights(g: GateMatrix): number[] {
  const s = new Array<number>(g.m).fill(0);
  for (let e = 0; e < g.n; e++) for (let i = 0; i < g.m; i++) s[i] += g.weights[e * g.m + i];
  return s.map((x) => x / Math.max(1, g.n));
}

/** Counts of values in `bins` equal bins over [0, max]. */
export function histogram(values: ArrayLike<number>, max: number, bins: number): number[] {
  const h = new Array<number>(bins).fill(0);
  for (let k = 0; k < values.length; k++) {
    const b = max > 0 ? Math.floor((values[k] / max) * bins) : 0;
    h[Math.min(bins - 1, Math.max(0, b))]++;
  }
  return h;
}

/**
 * For each log2 bin of activity (training interactions), how many entities have each TA as
 * their dominant one: does the gate send heavy users to other TAs than light ones?
 */
export function dominantByActivity(
  dominant: Int32Array,
  activity: Int32Array,
  m: number,
): { from: number; to: number; counts: number[] }[] {
  const rows: { from: number; to: number; counts: number[] }[] = [];
  for (let e = 0; e < dominant.length; e++) {
    const bin = activity[e] > 0 ? Math.floor(Math.log2(activity[e])) : 0;
    while (rows.length <= bin)
      rows.push({
        from: 2 ** rows.length,
        to: 2 ** (rows.length + 1) - 1,
        counts: new Array<number>(m).fill(0),
      });
    rows[bin].counts[dominant[e]]++;
  }
  return rows;
}

export interface CollapseCheck {
  /** Share of entities whose dominant TA is the most common one, with weight ≥ 0.8. */
  dominantShare: number;
  dominantTa: number;
  gateCollapsed: boolean;
  /** Mean ‖h_TA_i‖ / mean ‖h_T‖ per TA (from the run's best-epoch diagnostics). */
  normRatios: number[];
  tasShrunk: boolean;
}

/** The two degenerate outcomes of METHOD.md §5.5, made visible. */
export function collapseCheck(g: GateMatrix, normRatios: number[]): CollapseCheck {
  const dominant = dominantTas(g);
  const counts = new Array<number>(g.m).fill(0);
  for (let e = 0; e < g.n; e++) if (g.weights[e * g.m + dominant[e]] >= 0.8) counts[dominant[e]]++;
  const top = counts.indexOf(Math.max(...counts));
  const share = counts[top] / Math.max(1, g.n);
  return {
    dominantShare: share,
    dominantTa: top,
    gateCollapsed: g.m > 1 && share >= 0.9,
    normRatios,
    tasShrunk: normRatios.length > 0 && normRatios.every((r) => r < 0.05),
  };
}
