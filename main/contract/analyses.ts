import { z } from 'zod';
import { int, SEED_MAX } from './run-config';

// Analyses of finished runs: the teacher's user clusters carried into students (METHOD.md §7.1
// items 5–6, the paper's Fig. 5 and Table 3).

const runIds = z.array(int(1, SEED_MAX)).min(1).max(12);

export const ClusterRequestSchema = z
  .object({
    runs: runIds,
    /** Clusters; default ⌊users / 500⌋ (at least 2), as the paper. */
    k: int(2, 1000).optional(),
    /** The run whose user embeddings are clustered; default the students' teacher. */
    reference: int(1, SEED_MAX).optional(),
    /** Also a 2-D UMAP projection of each run's users (and kNN agreement in it): slower. */
    projection: z.boolean().default(true),
    seed: int(0, SEED_MAX).default(0),
  })
  .strict();
export type ClusterRequest = z.input<typeof ClusterRequestSchema>;

export interface RunClusters {
  run: number;
  /** Share of users whose nearest teacher-cluster centroid in this run's space is another. */
  misclustered: number;
  /** Mean share of a user's 10 nearest neighbours in the projection with its cluster; null without one. */
  knnAgreement: number | null;
  clusters: { size: number; H5: number | null; N5: number | null }[];
  /** Population std over clusters of per-cluster mean test H@5 / N@5 (Table 3). */
  std: { H5: number; N5: number };
  /** The projection: x, y per user (index = user), when asked for. */
  points?: { x: number[]; y: number[] };
}

export interface ClusterAnalysis {
  k: number;
  reference: number;
  /** Each user's teacher cluster (index = user). */
  labels: number[];
  runs: RunClusters[];
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
