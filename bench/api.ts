import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { ApiEvent, JobInfo, Op } from '../main/contract';
import { listArtifacts } from '../main/store/artifacts';
import { getRun } from '../main/store/runs';
import { openWorkbench, serveWorkbench } from '../main/workbench';

export interface ApiBenchResult {
  idle: LatencyStats;
  whileTraining: LatencyStats & { trainingRun: number; epochsDuring: number };
  queue: {
    runs: number;
    completed: number;
    withArtifacts: number;
    seconds: number;
    concurrency: number;
  };
}

interface LatencyStats {
  op: string;
  requests: number;
  p50ms: number;
  p99ms: number;
  maxms: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** A WebSocket client of browser mode, measuring each request's round trip. */
async function client(url: string) {
  const ws = new WebSocket(url);
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  let next = 1;
  const waiting = new Map<number, (v: unknown) => void>();
  const listeners = new Set<(e: ApiEvent) => void>();
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as { id?: number; result?: unknown; event?: ApiEvent };
    if (m.event) for (const f of listeners) f(m.event);
    else if (m.id !== undefined) {
      waiting.get(m.id)?.(m.result);
      waiting.delete(m.id);
    }
  });
  return {
    call: (op: Op, request: unknown) =>
      new Promise<{ ok: boolean; value?: unknown; error?: unknown }>((r) => {
        const id = next++;
        waiting.set(id, r as (v: unknown) => void);
        ws.send(JSON.stringify({ id, op, request }));
      }),
    on: (f: (e: ApiEvent) => void) => listeners.add(f),
    close: () => ws.close(),
  };
}

/**
 * Browser-mode API latency (p50/p99 round trips of `runs.list`) idle and while a CiteULike run
 * trains in its trainer process, then 20 short queued runs through the queue.
 */
export async function benchApi(
  o: { data: string; requests: number; home?: string },
  log: (s: string) => void,
): Promise<ApiBenchResult> {
  const home = o.home ?? mkdtempSync(join(tmpdir(), 'hkd-bench-api-'));
  const wb = openWorkbench({ home });
  const server = await serveWorkbench(wb);
  try {
    const c = await client(
      `${new URL(server.url).origin.replace('http', 'ws')}/api?token=${server.token}`,
    );
    const measure = async (op: Op, request: unknown, until: () => boolean) => {
      const ms: number[] = [];
      while (ms.length < o.requests && !until()) {
        const t = performance.now();
        const r = await c.call(op, request);
        if (!r.ok) throw new Error(`${op} failed: ${JSON.stringify(r.error)}`);
        ms.push(performance.now() - t);
        await new Promise((res) => setTimeout(res, 5));
      }
      return {
        op,
        requests: ms.length,
        p50ms: pct(ms, 50),
        p99ms: pct(ms, 99),
        maxms: Math.max(...ms),
      };
    };

    log('importing CiteULike in the background…');
    const job = await c.call('datasets.import', {
      file: wb.grants.grant(o.data),
      name: 'citeulike',
    });
    const jobId = (job.value as JobInfo).id;
    await new Promise<void>((r) =>
      c.on((e) => e.type === 'job' && e.job.id === jobId && e.job.status === 'done' && r()),
    );
    const idle = await measure('runs.list', {}, () => false);
    log(`idle: runs.list p50 ${idle.p50ms.toFixed(2)} ms, p99 ${idle.p99ms.toFixed(2)} ms`);

    const t = await c.call('runs.train', {
      dataset: 'citeulike',
      model: 'BPR',
      dim: 200,
      maxEpochs: 6,
    });
    const trainingRun = (t.value as { queued: number[] }).queued[0];
    let epochsDuring = 0;
    c.on((e) => e.type === 'epoch' && e.runId === trainingRun && epochsDuring++);
    while (getRun(wb.store, trainingRun).epochsRun < 1)
      await new Promise((r) => setTimeout(r, 100));
    const busy = await measure(
      'runs.list',
      {},
      () => getRun(wb.store, trainingRun).status !== 'running',
    );
    log(
      `while training: runs.list p50 ${busy.p50ms.toFixed(2)} ms, p99 ${busy.p99ms.toFixed(2)} ms`,
    );
    await c.call('runs.cancel', { id: trainingRun });
    await wb.runner.whenIdle();

    const concurrency = 2;
    await c.call('queue.configure', { concurrency });
    const start = performance.now();
    const ids: number[] = [];
    for (let k = 0; k < 20; k++) {
      const r = await c.call('runs.train', {
        dataset: 'demo',
        model: 'BPR',
        dim: 8 + k,
        maxEpochs: 3,
        label: `queued ${k}`,
      });
      ids.push(...(r.value as { queued: number[] }).queued);
    }
    await wb.runner.whenIdle();
    const seconds = (performance.now() - start) / 1000;
    const completed = ids.filter((id) => getRun(wb.store, id).status === 'completed').length;
    const withArtifacts = ids.filter((id) => {
      const kinds = listArtifacts(wb.store, id).filter((a) => existsSync(join(home, a.path)));
      return ['checkpoint', 'embeddings', 'ranks'].every((k) => kinds.some((a) => a.kind === k));
    }).length;
    log(
      `queue: ${completed}/20 completed, ${withArtifacts}/20 with artifacts, ${seconds.toFixed(1)} s`,
    );
    c.close();
    return {
      idle,
      whileTraining: { ...busy, trainingRun, epochsDuring },
      queue: { runs: ids.length, completed, withArtifacts, seconds, concurrency },
    };
  } finally {
    await server.close();
    wb.close();
    if (!o.home) rmSync(home, { recursive: true, force: true });
  }
}
