import { ZodError } from 'zod';
import {
  type ApiError,
  type ApiEvent,
  type ApiResult,
  DISTILL_METHODS,
  MODEL_NAMES,
  type Op,
  REQUESTS,
  type Responses,
  type RunInfo,
  type ValidRequest,
} from './contract';
import { taSizes } from './engine/kd/ta-sizes';
import { InputError, NotFoundError, printable, StorageError } from './errors';
import type { FileGrants } from './grants';
import { bundledDatasets, bundledImport, peekFile } from './ops/datasets';
import { distillRequest, queueDistill } from './ops/distill';
import { entityGates, exportGates } from './ops/gates';
import { entityDetail, gatesRows, gatesSummary } from './ops/gate-views';
import { lineage } from './ops/lineage';
import { shippedDoc } from './ops/docs';
import { comparePaired } from './ops/paired-runs';
import { repeatRun } from './ops/repeat';
import { branchRun } from './ops/branch';
import { replayRun } from './ops/replay';
import { discardAllTrainingStates, discardTrainingState } from './ops/resume';
import { queueTraining } from './ops/train';
import { createSweep, queueSweep, sweepList, sweepView } from './ops/sweeps';
import { sweepPlan } from './ops/sweep-plan';
import { analyzeClusters } from './ops/cluster-analysis';
import { userAnalysis } from './ops/user-analysis';
import { deleteSweep } from './store/sweeps';
import type { Jobs } from './runner/jobs';
import type { RunQueue } from './runner/run-queue';
import { listArtifacts } from './store/artifacts';
import type { Store } from './store/db';
import { deleteDataset, getDataset, listDatasets } from './store/datasets';
import { deleteRun, dependenciesOf, lastOutput } from './store/queue';
import { queueOrder, runNext } from './store/queue-order';
import { getEpochs, getRun, listRuns } from './store/runs';
import { APP_VERSION } from './version';

export interface ApiContext {
  store: Store;
  runner: RunQueue;
  jobs: Jobs;
  grants: FileGrants;
}

type Handlers = { [K in Op]: (r: ValidRequest<K>) => Responses[K] | Promise<Responses[K]> };

/**
 * The operations behind every face. `call` validates the request against the contract, runs it,
 * and answers with a result or a clear error; it never throws, whatever it is sent.
 */
export class Api {
  private readonly handlers: Handlers;

  constructor(private readonly ctx: ApiContext) {
    const { store, runner, jobs, grants } = ctx;
    const queued = (runs: RunInfo[]) => {
      runner.schedule();
      return { queued: runs.map((r) => r.id) };
    };
    const requeue = async (run: RunInfo) => {
      if (run.kind === 'train') return queued([queueTraining(store, run.config)]);
      const q = await queueDistill(store, distillRequest(run.config));
      return queued([...q.prerequisites, q.run]);
    };
    this.handlers = {
      'system.info': () => ({
        version: APP_VERSION,
        home: store.home,
        concurrency: runner.concurrency,
        models: MODEL_NAMES,
        methods: DISTILL_METHODS,
        storageProblem: runner.storageProblem ?? null,
        bundledDatasets: bundledDatasets(),
      }),
      'datasets.list': () => listDatasets(store),
      'datasets.get': (r) => getDataset(store, r.name),
      'datasets.peek': (r) => peekFile(grants.path(r.file), r.lines),
      'datasets.import': (r) =>
        jobs.start(
          {
            file: grants.path(r.file),
            shownAs: grants.shownAs(r.file),
            name: r.name,
            format: r.format,
            minUser: r.minUser,
            minItem: r.minItem,
            userCol: r.userCol,
            itemCol: r.itemCol,
          },
          r.preview,
        ),
      'datasets.importBundled': (r) => jobs.start(bundledImport(r.name), false),
      'datasets.synth': (r) => jobs.synth(r),
      'datasets.delete': (r) => {
        deleteDataset(store, r.name);
        return { deleted: r.name };
      },
      'jobs.get': (r) => {
        const j = jobs.get(r.id);
        if (!j) throw new NotFoundError(`job ${r.id}`);
        return j;
      },
      'jobs.cancel': (r) => {
        const j = jobs.cancel(r.id);
        if (!j) throw new NotFoundError(`job ${r.id}`);
        return j;
      },
      'runs.list': () => {
        const runs = listRuns(store);
        const progress = Object.fromEntries(
          runner.activeRuns.flatMap((id) => {
            const p = runner.progressOf(id);
            return p ? [[id, p]] : [];
          }),
        );
        return { runs, progress, queue: queueOrder(store) };
      },
      'runs.queue': () => ({ queue: queueOrder(store) }),
      'runs.get': (r) => ({
        run: getRun(store, r.id),
        epochs: getEpochs(store, r.id),
        artifacts: listArtifacts(store, r.id).map(({ kind, path, bytes }) => ({
          kind,
          path,
          bytes,
        })),
        dependsOn: dependenciesOf(store, r.id),
        lastOutput: lastOutput(store, r.id),
        progress: runner.progressOf(r.id),
      }),
      'runs.epochs': (r) => getEpochs(store, getRun(store, r.id).id).slice(r.from),
      'runs.train': (r) => queued([queueTraining(store, r)]),
      'runs.distill': async (r) => {
        const q = await queueDistill(store, r);
        return queued([...q.prerequisites, q.run]);
      },
      'runs.cancel': (r) => runner.cancel(r.id),
      'runs.resume': (r) => runner.resume(r.id),
      'runs.runNext': (r) => ({ queue: runNext(store, r.ids) }),
      'runs.extend': ({ id, ...limits }) => runner.extend(id, limits),
      'runs.branch': ({ id, ...change }) => {
        const run = branchRun(store, id, change, 'queued');
        runner.schedule();
        return run;
      },
      'runs.replay': (r) => {
        const run = replayRun(store, r.id, 'queued');
        runner.schedule();
        return run;
      },
      'runs.discardState': (r) => ({ freedBytes: discardTrainingState(store, r.id) }),
      'runs.discardAllStates': () => discardAllTrainingStates(store),
      'runs.rerun': (r) => requeue(getRun(store, r.id)),
      'runs.repeat': async (r) => {
        const rep = await repeatRun(store, r.id, r.seeds);
        runner.schedule();
        return rep;
      },
      'runs.delete': (r) => {
        deleteRun(store, r.id);
        return { deleted: r.id };
      },
      'queue.configure': (r) => {
        runner.setConcurrency(r.concurrency);
        return { concurrency: r.concurrency };
      },
      'ta.sizes': (r) => {
        if (r.studentDim >= r.teacherDim)
          throw new InputError('the student must be smaller than the teacher');
        return taSizes(r.teacherDim, r.studentDim, r.numTas);
      },
      'gates.entity': (r) => entityGates(store, r.run, r.kind, r.id),
      'gates.summary': (r) => gatesSummary(store, r.run, r.kind),
      'gates.rows': (r) => gatesRows(store, r.run, r.kind, r.order, r.offset, r.limit),
      'gates.detail': (r) => entityDetail(store, r.run, r.kind, r.id),
      'gates.export': (r) => ({ text: exportGates(store, r.run, r.format, r.only) }),
      'runs.lineage': (r) => lineage(store, r.id),
      'docs.get': (r) => shippedDoc(r.name),
      'sweeps.create': async (r) => {
        const out = await createSweep(store, r.spec, r.queue);
        runner.schedule();
        return out;
      },
      'sweeps.list': () => sweepList(store),
      'sweeps.get': (r) => sweepView(store, r.id),
      'sweeps.queue': async (r) => {
        const out = await queueSweep(store, r.id);
        runner.schedule();
        return out;
      },
      'sweeps.plan': (r) => sweepPlan(store, r.id, r.format),
      'analysis.clusters': (r) => analyzeClusters(store, r),
      'analysis.users': (r) => userAnalysis(store, r),
      'sweeps.delete': (r) => {
        deleteSweep(store, r.id);
        return { deleted: r.id };
      },
      'compare.paired': (r) => comparePaired(store, r.a, r.b, r.k),
    };
  }

  private readonly listeners = new Set<(e: ApiEvent) => void>();

  subscribe(f: (e: ApiEvent) => void): () => void {
    const a = this.ctx.runner.subscribe(f);
    const b = this.ctx.jobs.subscribe(f);
    this.listeners.add(f);
    return () => {
      a();
      b();
      this.listeners.delete(f);
    };
  }

  /** Sends an event that comes from outside the runner and the jobs (see StoreWatcher). */
  broadcast(e: ApiEvent): void {
    for (const f of this.listeners) f(e);
  }

  async call(op: unknown, request: unknown): Promise<ApiResult<Op>> {
    if (typeof op !== 'string' || !Object.hasOwn(REQUESTS, op))
      return fail({
        kind: 'invalid',
        message: `unknown operation ${JSON.stringify(op) ?? typeof op}`,
      });
    const key = op as Op;
    const parsed = REQUESTS[key].safeParse(request ?? {});
    if (!parsed.success) return fail(invalid(parsed.error));
    try {
      const handler = this.handlers[key] as (r: unknown) => unknown;
      return { ok: true, value: (await handler(parsed.data)) as Responses[Op] };
    } catch (e) {
      return fail(errorOf(e));
    }
  }
}

/** Errors may quote what was sent: bounded and escaped, whatever that was. */
const fail = (error: ApiError): ApiResult<Op> => ({
  ok: false,
  error: {
    ...error,
    message: printable(error.message),
    ...(error.issues
      ? {
          issues: error.issues.slice(0, 20).map((i) => ({
            path: printable(i.path, 200),
            message: printable(i.message, 300),
          })),
        }
      : {}),
  },
});

function invalid(e: ZodError): ApiError {
  const issues = e.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  return {
    kind: 'invalid',
    message: issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '),
    issues,
  };
}

function errorOf(e: unknown): ApiError {
  if (e instanceof NotFoundError) return { kind: 'not-found', message: e.message };
  if (e instanceof InputError) return { kind: 'invalid', message: e.message };
  if (e instanceof StorageError) return { kind: 'storage', message: e.message };
  return { kind: 'internal', message: e instanceof Error ? e.message : String(e) };
}
