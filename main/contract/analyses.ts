import { z } from 'zod';
import { int, SEED_MAX } from './run-config';

// Analyses of finished runs: the teacher's user clusters carried into students (METHOD.md §7.1
// items 5–6, the paper's Fig. 5 and Table 3).

// Enough for a Table 3 over every method × three seeds; a projection per run is what costs.
const runIds = z.array(int(1, SEED_MAX)).min(1).max(64);

export const ClusterRequestSchema = z
  .object({
    runs: runIds,
    /** Clusters; default ⌊users / 500⌋ (at least 2), as the paper. */
    k: int(2, 1000).optional(),
    /**
     * The run whose user embeddings are clustered, for every run; default each run's own teacher
     * (a run without one: the teacher of a distilled run on its split, else the first run there).
     */
    reference: int(1, SEED_MAX).optional(),
    /** Also a 2-D UMAP projection of each run's users (and kNN agreement in it): slower. */
    projection: z.boolean().default(true),
    seed: int(0, SEED_MAX).default(0),
    /** Bootstrap draws for 95% intervals of each run's spread (0: none). */
    bootstrap: int(0, 100_000).default(0),
    /** With `bootstrap`: each run's change in spread against this one (among `runs`), paired. */
    baseline: int(1, SEED_MAX).optional(),
  })
  .strict();
export type ClusterRequest = z.input<typeof ClusterRequestSchema>;

export interface RunClusters {
  run: number;
  /** The run whose users' clusters these are (one of the analysis's references). */
  reference: number;
  /**
   * Share of users whose nearest teacher-cluster centroid in this run's space is another; null
   * when this home has only the run's results (a results-only bundle), not its embeddings.
   */
  misclustered: number | null;
  /** Mean share of a user's 10 nearest neighbours in the projection with its cluster; null without one. */
  knnAgreement: number | null;
  clusters: { size: number; H5: number | null; N5: number | null }[];
  /** Population std over clusters of per-cluster mean test H@5 / N@5 (Table 3). */
  std: { H5: number; N5: number };
  /** With bootstrap draws: a 95% interval of each std, users resampled within clusters. */
  stdInterval?: { H5: [number, number]; N5: [number, number] };
  /**
   * With a baseline in the same clusters: this run's std minus the baseline's, and a 95% interval
   * of that difference over the same draws (paired: both scored on the same resampled users).
   */
  change?: { H5: SpreadChange; N5: SpreadChange };
  /** The projection: x, y per user (index = user), when asked for and the embeddings are here. */
  points?: { x: number[]; y: number[] };
}

export interface SpreadChange {
  value: number;
  interval: [number, number];
}

export interface ClusterAnalysis {
  k: number;
  /** Each clustered run and its users' clusters (index = user), in the order runs first use it. */
  references: { run: number; labels: number[] }[];
  runs: RunClusters[];
}

/** The clusters a run's users were scored in: its reference's labels. */
export function clusterLabels(a: ClusterAnalysis, r: RunClusters): number[] {
  return a.references.find((x) => x.run === r.reference)!.labels;
}

export const UserRequestSchema = z.object({ runs: runIds }).strict();

export interface UserAnalysis {
  /** Interactions of each user in the dataset (index = user). */
  activity: number[];
  /** Each run's 1-based rank of each user's held-out test item (index = user). */
  ranks: { run: number; splitId: number | null; ranks: number[] }[];
  /** Users binned by activity, [from, to): how many, and each run's test H@5 over them. */
  bins: { from: number; to: number; users: number; H5: number[] }[];
}
