// A diverging colour scale for gate weights: neutral at the uniform weight 1/m, blue below it, red
// above, stretched to the weights the run actually has, so a near-uniform gate (0.46 against
// 0.54) still shows its structure. The heatmap's cells and its legend use the same function.

export interface DivergingScale {
  /** The weight drawn neutral (1/m). */
  center: number;
  /** How far from the centre the ends of the scale lie (the largest deviation present). */
  spread: number;
  color(w: number): string;
}

// Ends and middle of the ramp (ColorBrewer RdBu's ends; a neutral grey that reads on both themes).
const LOW = [33, 102, 172];
const MID = [190, 190, 190];
const HIGH = [178, 24, 43];

const mix = (a: number[], b: number[], t: number) =>
  `rgb(${a.map((x, i) => Math.round(x + (b[i] - x) * t)).join(',')})`;

export function divergingScale(m: number, range: { min: number; max: number }): DivergingScale {
  const center = 1 / m;
  // A gate with every weight at 1/m has no spread: any small one keeps the colours defined.
  const spread = Math.max(Math.abs(range.max - center), Math.abs(center - range.min), 1e-6);
  return {
    center,
    spread,
    color(w: number): string {
      const t = Math.max(-1, Math.min(1, (w - center) / spread));
      return t < 0 ? mix(MID, LOW, -t) : mix(MID, HIGH, t);
    },
  };
}

/** `n` evenly spaced weights across the scale, lowest first, for a legend. */
export function legendWeights(s: DivergingScale, n: number): number[] {
  return Array.from({ length: n }, (_, k) => s.center - s.spread + (2 * s.spread * k) / (n - 1));
}
