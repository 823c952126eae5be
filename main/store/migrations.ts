/**
 * Numbered schema migrations, applied in order inside one transaction each; the database's
 * `user_version` is the number of the last one applied. Append only: never edit a shipped step.
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE datasets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        format TEXT NOT NULL,
        min_user INTEGER NOT NULL,
        min_item INTEGER NOT NULL,
        n_users INTEGER NOT NULL,
        n_items INTEGER NOT NULL,
        n_interactions INTEGER NOT NULL,
        stats_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE splits (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        seed INTEGER NOT NULL,
        n_candidates INTEGER NOT NULL,
        n_train INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (dataset_id, seed, n_candidates)
      );
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        label TEXT,
        kind TEXT NOT NULL CHECK (kind IN ('train', 'distill')),
        model TEXT NOT NULL,
        method TEXT,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id),
        split_id INTEGER REFERENCES splits(id),
        seed INTEGER NOT NULL,
        teacher_run_id INTEGER REFERENCES runs(id),
        config_json TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN
          ('queued', 'running', 'completed', 'cancelled', 'failed', 'interrupted')),
        backend TEXT,
        device TEXT,
        app_version TEXT NOT NULL,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        epochs_run INTEGER NOT NULL DEFAULT 0,
        best_epoch INTEGER,
        summary_json TEXT,
        train_seconds_per_epoch REAL,
        eval_seconds_per_epoch REAL,
        error TEXT
      );
      CREATE INDEX runs_dataset ON runs(dataset_id);
      CREATE TABLE epochs (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        losses_json TEXT NOT NULL,
        valid_json TEXT NOT NULL,
        test_json TEXT NOT NULL,
        train_seconds REAL NOT NULL,
        eval_seconds REAL NOT NULL,
        diagnostics_json TEXT,
        PRIMARY KEY (run_id, epoch)
      ) WITHOUT ROWID;
      CREATE TABLE artifacts (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER REFERENCES datasets(id) ON DELETE CASCADE,
        split_id INTEGER REFERENCES splits(id) ON DELETE CASCADE,
        run_id INTEGER REFERENCES runs(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        path TEXT NOT NULL UNIQUE,
        bytes INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        created_at TEXT NOT NULL,
        CHECK ((dataset_id IS NOT NULL) + (split_id IS NOT NULL) + (run_id IS NOT NULL) = 1)
      );
      CREATE INDEX artifacts_run ON artifacts(run_id);
    `,
  },
  {
    version: 2,
    name: 'run owner process',
    // The process training a run, so a run whose process died is found and marked interrupted.
    sql: `ALTER TABLE runs ADD COLUMN pid INTEGER;`,
  },
  {
    version: 3,
    name: 'queue',
    // Queued runs wait for the runs they are built from; the queue's settings survive restarts;
    // a failed or killed trainer's last output is kept with its run.
    sql: `
      CREATE TABLE run_deps (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        depends_on INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        PRIMARY KEY (run_id, depends_on)
      ) WITHOUT ROWID;
      CREATE INDEX run_deps_on ON run_deps(depends_on);
      CREATE TABLE settings (key TEXT PRIMARY KEY, value_json TEXT NOT NULL) WITHOUT ROWID;
      ALTER TABLE runs ADD COLUMN last_output TEXT;
      CREATE INDEX runs_status ON runs(status);
    `,
  },
  {
    version: 4,
    name: 'sweeps and portable run ids',
    // A sweep is its definition (its runs are found by what defines them). Every run gets an id
    // that stays the same in every home it is exported to, so importing a bundle twice, or a
    // student whose teacher is already here, links to the run already present.
    sql: `
      CREATE TABLE sweeps (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        spec_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      ALTER TABLE runs ADD COLUMN uid TEXT;
      UPDATE runs SET uid = lower(hex(randomblob(16)));
      CREATE UNIQUE INDEX runs_uid ON runs(uid);
    `,
  },
  {
    version: 5,
    name: 'queue order',
    // Queued runs moved to the front start first, lowest rank first; the rest oldest first.
    sql: `ALTER TABLE runs ADD COLUMN queue_rank INTEGER;`,
  },
  {
    version: 6,
    name: 'seconds per epoch as medians',
    // Finished runs stored the mean, which a paused epoch or a busy neighbour can double.
    sql: ['train', 'eval']
      .map(
        (k) => `UPDATE runs SET ${k}_seconds_per_epoch = (
          SELECT AVG(t) FROM (
            SELECT e.${k}_seconds AS t, ROW_NUMBER() OVER (ORDER BY e.${k}_seconds) AS i,
              COUNT(*) OVER () AS n
            FROM epochs e WHERE e.run_id = runs.id)
          WHERE i IN ((n + 1) / 2, (n + 2) / 2))
        WHERE ${k}_seconds_per_epoch IS NOT NULL
          AND EXISTS (SELECT 1 FROM epochs e WHERE e.run_id = runs.id);`,
      )
      .join('\n'),
  },
  {
    version: 7,
    name: 'branches',
    // A run created by continuing another's last epoch (ops/branch.ts) names it; no foreign key:
    // deleting the source leaves the branch, whose lineage then says the source is gone.
    sql: `ALTER TABLE runs ADD COLUMN branch_of INTEGER;`,
  },
  {
    version: 8,
    name: 'replays',
    // A run training a recorded run again to restore its files (ops/replay.ts) names it; it is
    // folded into that run when every epoch matched, so the link never outlives the replay.
    sql: `ALTER TABLE runs ADD COLUMN replay_of INTEGER;`,
  },
  {
    version: 9,
    name: 'no summary on reopened runs',
    // Extending a cancelled or completed run kept the summary it stopped with, so lists showed
    // its old best instead of the best its epochs have reached since.
    sql: `UPDATE runs SET best_epoch = NULL, summary_json = NULL, train_seconds_per_epoch = NULL,
      eval_seconds_per_epoch = NULL WHERE status NOT IN ('completed', 'cancelled');`,
  },
  {
    version: 10,
    name: 'no results on reopened runs',
    // Nor their results' files (store/queue.ts, reopenRun): `hkd paired` read an extended run's
    // old per-user ranks as its own. The files stay until the run finishes and rewrites them.
    sql: `DELETE FROM artifacts WHERE kind != 'resume' AND run_id IN (
      SELECT id FROM runs WHERE status NOT IN ('completed', 'cancelled'));`,
  },
];
