// jstat ships no types; only what the workbench uses.
declare module 'jstat' {
  export const jStat: {
    studentt: { cdf(x: number, dof: number): number };
  };
}
