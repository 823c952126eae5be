import type { ApiEvent } from '../contract';
import type { Store } from '../store/db';
import { getEpochs, getRun } from '../store/runs';

/**
 * Notices what other processes (an `hkd train` in a terminal) commit to the store and reports it
 * as the same events the runner sends, so an open window shows those runs live. SQLite's
 * `data_version` changes only on other connections' commits, so an idle check is one pragma.
 */
export class StoreWatcher {
  private version: number;
  private runs = new Map<number, { status: string; epochs: number }>();
  private datasets = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly emit: (e: ApiEvent) => void,
  ) {
    this.version = this.dataVersion();
    this.snapshot();
  }

  start(intervalMs = 500): void {
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  check(): void {
    const v = this.dataVersion();
    if (v === this.version) return;
    this.version = v;
    const before = this.runs;
    const datasetsBefore = this.datasets;
    this.snapshot();
    if (this.datasets !== datasetsBefore) this.emit({ type: 'datasets' });
    const removed = [...before.keys()].filter((id) => !this.runs.has(id));
    if (removed.length > 0) this.emit({ type: 'removed', ids: removed });
    for (const [id, now] of this.runs) {
      const was = before.get(id);
      if (was && was.epochs < now.epochs)
        for (const record of getEpochs(this.store, id).slice(was.epochs))
          this.emit({ type: 'epoch', runId: id, record });
      if (!was || was.status !== now.status || was.epochs !== now.epochs)
        this.emit({ type: 'run', run: getRun(this.store, id) });
    }
  }

  private dataVersion(): number {
    return this.store.db.pragma('data_version', { simple: true }) as number;
  }

  private snapshot(): void {
    const rows = this.store.db.prepare('SELECT id, status, epochs_run FROM runs').all() as {
      id: number;
      status: string;
      epochs_run: number;
    }[];
    this.runs = new Map(rows.map((r) => [r.id, { status: r.status, epochs: r.epochs_run }]));
    this.datasets = (
      this.store.db.prepare('SELECT COUNT(*) AS n FROM datasets').get() as { n: number }
    ).n;
  }
}

/**
 * Whether an event the watcher reports is a run another process queued (`hkd distill --queue`
 * beside a running queue or an open window): the runner should look for work then, since only
 * its own queueing and its runs' ends make it look otherwise.
 */
export const queuedElsewhere = (e: ApiEvent): boolean =>
  e.type === 'run' && e.run.status === 'queued';
