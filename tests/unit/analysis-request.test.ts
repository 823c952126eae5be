import { describe, expect, it } from 'vitest';
import { ClusterRequestSchema } from '../../main/contract';

const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('cluster analysis requests', () => {
  it('default to a projection without bootstrap, at seed 0', () => {
    expect(ClusterRequestSchema.parse({ runs: [3] })).toEqual({
      runs: [3],
      projection: true,
      seed: 0,
      bootstrap: 0,
    });
  });

  it("take a Table 3's worth of runs (every method × three seeds), not unbounded", () => {
    expect(ClusterRequestSchema.safeParse({ runs: ids(64) }).success).toBe(true);
    expect(ClusterRequestSchema.safeParse({ runs: ids(65) }).success).toBe(false);
    expect(ClusterRequestSchema.safeParse({ runs: [1], bootstrap: 100_001 }).success).toBe(false);
  });
});
