/**
 * TensorBoard's smoothing: an exponential moving average with weight `w` in [0, 1), debiased so
 * the first points are not pulled towards zero; gaps stay gaps.
 */
export function smoothed(data: (number | null)[], w: number): (number | null)[] {
  if (w <= 0) return data;
  let avg = 0;
  let n = 0;
  return data.map((x) => {
    if (x === null || !Number.isFinite(x)) return null;
    avg = w * avg + (1 - w) * x;
    n++;
    return avg / (1 - w ** n);
  });
}
