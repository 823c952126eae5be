import type { SpreadChange } from '../contract';

// One way to write Table 3's bootstrap results, for the terminal and the workbench alike.

const num = (x: number) => x.toFixed(4);

/** A 95% interval of a spread, "0.0583–0.0922"; `none` without one. */
export const intervalText = (x?: [number, number], none = '-'): string =>
  x ? `${num(x[0])}–${num(x[1])}` : none;

/** A change in spread and its interval, "+0.0068 (-0.0056 to 0.0187)"; `none` without one. */
export const changeText = (c?: SpreadChange, none = '-'): string =>
  c
    ? `${c.value >= 0 ? '+' : ''}${num(c.value)} (${num(c.interval[0])} to ${num(c.interval[1])})`
    : none;
