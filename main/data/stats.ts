import type { DatasetStats, DegreeSummary } from '../contract';
import type { Dataset } from './dataset';

function summarize(deg: Int32Array): DegreeSummary {
  const sorted = Int32Array.from(deg).sort();
  const histogram: number[] = [];
  let sum = 0;
  for (const d of sorted) {
    sum += d;
    if (d <= 0) continue;
    const bin = Math.floor(Math.log2(d));
    while (histogram.length <= bin) histogram.push(0);
    histogram[bin]++;
  }
  const n = sorted.length;
  return {
    min: sorted[0],
    max: sorted[n - 1],
    mean: sum / n,
    median: n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    histogram,
  };
}

export function datasetStats(d: Dataset): DatasetStats {
  const userDeg = new Int32Array(d.nUsers);
  for (let u = 0; u < d.nUsers; u++) userDeg[u] = d.userPtr[u + 1] - d.userPtr[u];
  const itemDeg = new Int32Array(d.nItems);
  for (const i of d.items) itemDeg[i]++;
  const interactions = d.items.length;
  return {
    users: d.nUsers,
    items: d.nItems,
    interactions,
    trainInteractions: interactions - 2 * d.nUsers,
    density: interactions / (d.nUsers * d.nItems),
    userDegree: summarize(userDeg),
    itemDegree: summarize(itemDeg),
  };
}
