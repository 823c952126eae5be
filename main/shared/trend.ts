/**
 * Where a still-rising metric is heading: two saturating curves fitted to (epoch, value) points,
 * for runs that cannot be trained to convergence on the machine at hand. A power law approaches
 * its limit slowly, an exponential quickly, so the two bracket the usual learning curve; both are
 * extrapolations and say so wherever they are shown.
 */
export type TrendShape = 'power' | 'exponential';

export interface TrendFit {
  shape: TrendShape;
  /** y(x) = limit − scale · x^(−rate) (power) or limit − scale · e^(−x / rate) (exponential). */
  limit: number;
  scale: number;
  rate: number;
  /** Root-mean-square residual over the fitted points. */
  rmse: number;
}

export interface Trend {
  /** The fitted epochs (1-based, inclusive). */
  from: number;
  to: number;
  fits: TrendFit[];
}

const basis: Record<TrendShape, (x: number, rate: number) => number> = {
  power: (x, rate) => x ** -rate,
  exponential: (x, rate) => Math.exp(-x / rate),
};

export const SHAPE_NAMES: Record<TrendShape, string> = {
  power: 'power law',
  exponential: 'exponential',
};

/** The epochs a trend is read at: twice and four times those trained. */
export const trendHorizons = (epochs: number): number[] => [2 * epochs, 4 * epochs];

export function trendAt(f: TrendFit, x: number): number {
  return f.limit - f.scale * basis[f.shape](x, f.rate);
}

/** For a fixed rate the curve is linear in (limit, scale): least squares in closed form. */
function linearPart(xs: number[], ys: number[], g: (x: number) => number) {
  const n = xs.length;
  let sg = 0;
  let sy = 0;
  let sgg = 0;
  let sgy = 0;
  for (let i = 0; i < n; i++) {
    const gi = g(xs[i]);
    sg += gi;
    sy += ys[i];
    sgg += gi * gi;
    sgy += gi * ys[i];
  }
  const det = n * sgg - sg * sg;
  if (!(Math.abs(det) > 1e-300)) return null;
  // y ≈ limit − scale · g
  const scale = -(n * sgy - sg * sy) / det;
  const limit = (sy + scale * sg) / n;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (ys[i] - limit + scale * g(xs[i])) ** 2;
  return { limit, scale, sse };
}

/**
 * Least squares over the rate by a log-spaced grid refined with golden-section search (the
 * residual is one-dimensional once limit and scale are solved for); rates at the search range's
 * edge mean the points do not pin the curve down, and the fit is dropped.
 */
function fitShape(xs: number[], ys: number[], shape: TrendShape): TrendFit | null {
  const [lo, hi] = shape === 'power' ? [0.01, 5] : [0.1, 100 * xs[xs.length - 1]];
  const sse = (logRate: number) =>
    linearPart(xs, ys, (x) => basis[shape](x, Math.exp(logRate)))?.sse ?? Infinity;
  const grid = 200;
  const at = (k: number) => Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * k) / grid;
  const residuals = Array.from({ length: grid + 1 }, (_, k) => sse(at(k)));
  const best = residuals.indexOf(Math.min(...residuals));
  if (best === 0 || best === grid) return null;
  let [a, b] = [at(best - 1), at(best + 1)];
  const phi = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 100 && b - a > 1e-10; it++) {
    const c = b - phi * (b - a);
    const d = a + phi * (b - a);
    if (sse(c) < sse(d)) b = d;
    else a = c;
  }
  const rate = Math.exp((a + b) / 2);
  const lin = linearPart(xs, ys, (x) => basis[shape](x, rate))!;
  return {
    shape,
    limit: lin.limit,
    scale: lin.scale,
    rate,
    rmse: Math.sqrt(lin.sse / xs.length),
  };
}

/**
 * The first epoch a saturating curve can describe: after the largest one-epoch rise, and not
 * inside the first fifth, where every model rises faster than any single curve follows. A run that
 * leaves a plateau late (SGL does) rises slowly, then steeply, then levels off; neither curve bends
 * that way, so only the epochs after its steepest rise are fitted. A run still in that rise gets a
 * window too short to fit.
 */
export function trendStart(values: number[]): number {
  const rise = (e: number) => values[e - 1] - values[e - 2];
  let steepest = 0;
  for (let e = 2; e <= values.length; e++) if (!steepest || rise(e) > rise(steepest)) steepest = e;
  return Math.max(Math.floor(values.length / 5) + 1, steepest + 1);
}

/**
 * Fits both curves to `values` (one per epoch, epoch 1 first) from epoch `from` on (by default
 * `trendStart`). A fit whose limit lies above `ceiling` (a hit rate's 1) is dropped: the window
 * holds no saturation.
 */
export function fitTrend(values: number[], from?: number, ceiling = Infinity): Trend | null {
  const start = Math.max(1, from ?? trendStart(values));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let e = start; e <= values.length; e++) {
    xs.push(e);
    ys.push(values[e - 1]);
  }
  // Three parameters: ask for clearly more points than that.
  if (xs.length < 6) return null;
  const fits = (['power', 'exponential'] as const)
    .map((s) => fitShape(xs, ys, s))
    .filter((f): f is TrendFit => f !== null && f.limit <= ceiling);
  return fits.length ? { from: start, to: values.length, fits } : null;
}

export interface MetricTrend {
  metric: 'valid H@5' | 'test H@5';
  /** The first epoch of the window, fitted or not. */
  from: number;
  trend: Trend | null;
}

/**
 * The trends of validation H@5 (what early stopping follows) and test H@5 (what is reported), over
 * one window: by default the one validation H@5's steepest rise sets.
 */
export function hitRateTrends(
  epochs: { valid: { H5: number }; test: { H5: number } }[],
  from?: number,
): MetricTrend[] {
  const valid = epochs.map((e) => e.valid.H5);
  const test = epochs.map((e) => e.test.H5);
  const start = from ?? trendStart(valid);
  return [
    { metric: 'valid H@5', from: start, trend: fitTrend(valid, start, 1) },
    { metric: 'test H@5', from: start, trend: fitTrend(test, start, 1) },
  ];
}
