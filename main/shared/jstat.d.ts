// jstat ships no types; only what the workbench uses.
declare module 'jstat' {
  export const jStat: {
    studentt: { cdf(x: number, dof: number): number };
    /** The k-th quantile (0 ≤ k ≤ 1), interpolating linearly between order statistics. */
    percentile(values: ArrayLike<number>, k: number): number;
  };
}
