import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ImportRequest, SynthRequest } from '../ops/datasets';
import type { Store } from '../store/db';
import type { JobInfo } from '../contract';
import { checkDatasetName, newDatasetDir, recordDataset } from '../store/datasets';
import type { FromImporter, ImportTask, ToImporter } from './import-protocol';
import type { LaunchWorker } from './worker-process';

export type LaunchImporter = LaunchWorker<ToImporter, FromImporter>;

export type JobEvent = { type: 'job'; job: JobInfo };

/**
 * Dataset imports and previews, each parsed in its own process so a large file never stalls the
 * owner; cancelling one kills it and removes whatever it wrote. The store changes only when an
 * import completes, in one transaction.
 */
export class Jobs {
  private readonly jobs = new Map<string, { state: JobInfo; kill(): void; dir?: string }>();
  private readonly listeners = new Set<(e: JobEvent) => void>();

  constructor(
    private readonly store: Store,
    private readonly launch: LaunchImporter,
  ) {}

  subscribe(f: (e: JobEvent) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  get(id: string): JobInfo | undefined {
    return this.jobs.get(id)?.state;
  }

  /** Starts parsing `request.file`; a preview stores nothing. */
  start(request: ImportRequest, preview: boolean): JobInfo {
    return this.launchJob(preview ? 'preview' : 'import', request.name, {
      kind: 'file',
      request,
    });
  }

  /** Starts generating a synthetic dataset (large ones take a while). */
  synth(request: SynthRequest): JobInfo {
    return this.launchJob('synth', request.name, { kind: 'synth', request });
  }

  private launchJob(kind: JobInfo['kind'], name: string, source: ImportTask['source']): JobInfo {
    const preview = kind === 'preview';
    // Errors name the file as the user knows it, not an upload's folder.
    const request = source.kind === 'file' ? source.request : undefined;
    const shown = (message: string) =>
      request?.shownAs ? message.split(resolve(request.file)).join(request.shownAs) : message;
    if (!preview) checkDatasetName(this.store, name);
    const dir = preview ? undefined : newDatasetDir();
    const state: JobInfo = {
      id: randomUUID(),
      kind,
      ...(request ? { file: request.file } : {}),
      status: 'running',
      fraction: 0,
    };
    const proc = this.launch([]);
    this.jobs.set(state.id, { state, kill: () => proc.kill(), dir });
    let output = '';
    proc.onOutput((t) => (output = (output + t).slice(-4000)));
    proc.onMessage((m) => {
      if (state.status !== 'running') return;
      if (m.type === 'progress') state.fraction = m.fraction;
      else if (m.type === 'error') this.end(state, 'failed', shown(m.message));
      else if (preview) {
        state.preview = { name: m.meta.name, format: m.meta.format, stats: m.meta.stats };
        this.end(state, 'done');
      } else {
        try {
          state.dataset = recordDataset(this.store, m.meta, m.file!);
          this.end(state, 'done');
        } catch (e) {
          this.end(state, 'failed', e instanceof Error ? e.message : String(e));
        }
      }
      if (state.status === 'running') this.emit(state);
    });
    proc.onExit((code, signal) => {
      if (state.status === 'running')
        this.end(state, 'failed', output.trim() || `importer ended (${signal ?? `exit ${code}`})`);
      // Once it is gone for sure, nothing it wrote is left behind (a kill can beat the rename).
      else if (state.status === 'cancelled') this.removeFiles(state.id);
    });
    proc.send({ type: 'task', task: { home: this.store.home, source, dir } });
    this.emit(state);
    return state;
  }

  cancel(id: string): JobInfo | undefined {
    const job = this.jobs.get(id);
    if (!job || job.state.status !== 'running') return job?.state;
    job.kill();
    this.end(job.state, 'cancelled');
    return job.state;
  }

  private end(state: JobInfo, status: JobInfo['status'], error?: string): void {
    state.status = status;
    if (error !== undefined) state.error = error;
    if (status === 'done') state.fraction = 1;
    if (status !== 'done') this.removeFiles(state.id);
    this.emit(state);
  }

  private removeFiles(id: string): void {
    const dir = this.jobs.get(id)?.dir;
    if (dir) rmSync(join(this.store.home, dir), { recursive: true, force: true });
  }

  private emit(state: JobInfo): void {
    for (const f of this.listeners) f({ type: 'job', job: { ...state } });
  }
}
