import { nextLive } from '../../../main/shared/best-so-far';
import { runTitle } from '../../../main/shared/compare-table';
import type {
  ApiEvent,
  ApiResult,
  DatasetInfo,
  EpochInfo,
  JobInfo,
  Op,
  Progress,
  Request,
  Responses,
  RunInfo,
  SystemInfo,
} from '../../../main/contract';
import { connect, type Client } from './transport';

export type View =
  'datasets' | 'new-run' | 'runs' | 'run' | 'compare' | 'gates' | 'sweeps' | 'analysis' | 'docs';
export interface Route {
  view: View;
  id?: number;
  /** `#/new-run?dataset=citeulike`: what the view opens on. */
  params: Record<string, string>;
}

const VIEWS: View[] = [
  'datasets',
  'new-run',
  'runs',
  'run',
  'compare',
  'gates',
  'sweeps',
  'analysis',
  'docs',
];

function parseHash(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [view, id] = path.split('/');
  const v = VIEWS.includes(view as View) ? (view as View) : 'datasets';
  const params = Object.fromEntries(new URLSearchParams(query));
  return { view: v, ...(id && /^\d+$/.test(id) ? { id: Number(id) } : {}), params };
}

/** Thrown by `Workbench.call`: the API's error, ready to show. */
export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

const COMPARE_KEY = 'hkd.compare';

/**
 * The window's view of the store: datasets, runs and jobs kept current by the API's events
 * (deltas: a run row when its status changes, an epoch when it ends, progress within epochs).
 */
export class Workbench {
  readonly client: Client;
  info = $state.raw<SystemInfo | null>(null);
  datasets = $state.raw<DatasetInfo[]>([]);
  runs = $state.raw<RunInfo[]>([]);
  progress = $state<Record<number, Progress>>({});
  /** Queued runs' ids in the order they start, as of the last refresh. */
  queue = $state.raw<number[]>([]);
  jobs = $state<Record<string, JobInfo>>({});
  /** Epochs of the runs whose detail has been opened, appended live. */
  epochs = $state<Record<number, EpochInfo[]>>({});
  route = $state<Route>(parseHash(location.hash));
  compareIds = $state<number[]>(JSON.parse(localStorage.getItem(COMPARE_KEY) ?? '[]') as number[]);
  connected = $state(false);
  error = $state<string | null>(null);
  /** The store cannot be written (disk full, read-only): runs cannot be recorded meanwhile. */
  storageProblem = $state<string | null>(null);

  constructor() {
    this.client = connect();
    this.client.subscribe((e) => this.onEvent(e));
    this.client.onReconnect(() => void this.refresh());
    this.client.onDisconnect(() => (this.connected = false));
    this.client.onMenu((what) => {
      if (what === 'import') this.go('datasets');
      else if (VIEWS.includes(what as View)) this.go(what as View);
    });
    window.addEventListener('hashchange', () => (this.route = parseHash(location.hash)));
    void this.refresh();
  }

  async call<K extends Op>(op: K, request: Request<K>): Promise<Responses[K]> {
    const r: ApiResult<K> = await this.client.call(op, request);
    if (!r.ok) throw new ApiFailure(r.error.message, r.error.issues);
    return r.value;
  }

  go(view: View, id?: number): void {
    location.hash = id === undefined ? `#/${view}` : `#/${view}/${id}`;
  }

  async refresh(): Promise<void> {
    try {
      const [info, datasets, runs] = await Promise.all([
        this.call('system.info', {}),
        this.call('datasets.list', {}),
        this.call('runs.list', {}),
      ]);
      this.info = info;
      this.storageProblem = info.storageProblem;
      this.datasets = datasets;
      this.runs = runs.runs;
      this.progress = runs.progress;
      this.queue = runs.queue;
      this.connected = true;
      for (const id of Object.keys(this.epochs).map(Number)) void this.loadEpochs(id);
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  private queueLoad: Promise<void> | null = null;
  private queueStale = false;
  /** The queue's order again; calls while one is on its way coalesce into one more. */
  async refreshQueue(): Promise<void> {
    if (this.queueLoad) {
      this.queueStale = true;
      return this.queueLoad;
    }
    this.queueLoad = (async () => {
      do {
        this.queueStale = false;
        this.queue = (await this.call('runs.queue', {})).queue;
      } while (this.queueStale);
    })()
      // Disconnected: the refresh on reconnecting reads it again.
      .catch(() => {})
      .finally(() => (this.queueLoad = null));
    return this.queueLoad;
  }

  async loadEpochs(id: number): Promise<void> {
    this.epochs[id] = await this.call('runs.epochs', { id });
  }

  async refreshDatasets(): Promise<void> {
    this.datasets = await this.call('datasets.list', {});
  }

  run(id: number): RunInfo | undefined {
    return this.runs.find((r) => r.id === id);
  }

  /** "#12 teacher-200", or "#12" for a run this window does not know (deleted). */
  title(id: number): string {
    const r = this.run(id);
    return r ? runTitle(r) : `#${id}`;
  }

  toggleCompare(id: number): void {
    this.setCompare(
      this.compareIds.includes(id)
        ? this.compareIds.filter((x) => x !== id)
        : [...this.compareIds, id],
    );
  }

  /** The selected runs: Compare's columns, and what the runs table's bulk actions act on. */
  setCompare(ids: number[]): void {
    this.compareIds = ids;
    localStorage.setItem(COMPARE_KEY, JSON.stringify(ids));
  }

  private onEvent(e: ApiEvent): void {
    switch (e.type) {
      case 'run': {
        const i = this.runs.findIndex((r) => r.id === e.run.id);
        // A run that starts again (resumed, extended) recomputes the epochs after its checkpoint.
        const restarts = e.run.status === 'running' && this.runs[i]?.status !== 'running';
        if (restarts && this.epochs[e.run.id]) void this.loadEpochs(e.run.id);
        // A run joined or left the queue: where the others stand may have changed.
        if ((this.runs[i]?.status === 'queued') !== (e.run.status === 'queued'))
          void this.refreshQueue();
        this.runs = i < 0 ? [...this.runs, e.run] : this.runs.with(i, e.run);
        if (e.run.status !== 'running') delete this.progress[e.run.id];
        return;
      }
      case 'removed':
        this.runs = this.runs.filter((r) => !e.ids.includes(r.id));
        for (const id of e.ids) delete this.progress[id];
        void this.refreshQueue();
        return;
      case 'progress':
        this.progress[e.runId] = { epoch: e.epoch, batch: e.batch, batches: e.batches };
        return;
      case 'epoch': {
        const list = this.epochs[e.runId];
        if (list && !list.some((x) => x.epoch === e.record.epoch)) list.push(e.record);
        const i = this.runs.findIndex((r) => r.id === e.runId);
        if (i >= 0) {
          const r = this.runs[i];
          this.runs = this.runs.with(i, {
            ...r,
            epochsRun: e.record.epoch + 1,
            live: nextLive(r.live, e.record, r.config.earlyStop),
          });
        }
        return;
      }
      case 'datasets':
        void this.refreshDatasets();
        return;
      case 'job':
        this.jobs[e.job.id] = e.job;
        if (e.job.status === 'done' && e.job.kind !== 'preview') void this.refreshDatasets();
        return;
      case 'storage':
        this.storageProblem = e.problem;
        return;
    }
  }
}
