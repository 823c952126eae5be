import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  parseSeeds,
  StoredDistillConfigSchema,
  StoredTrainConfigSchema,
  type RunInfo,
} from '../../main/contract';
import {
  compareTable,
  configDiff,
  gapEnds,
  recoveredGap,
  rowLabel,
  toCsv,
  toLatex,
  toMarkdown,
} from '../../main/shared/compare-table';
import {
  commonPaperSetting,
  PAPER_SETTINGS,
  paperRow,
  paperRows,
  paperSettingFor,
} from '../../main/shared/paper-results';
import { validateRun } from '../../renderer/src/lib/validate';
import { trainingColumns } from '../../main/shared/compare-columns';

const metrics = (h5: number) => ({
  H5: h5,
  N5: h5 / 2,
  H10: h5 + 0.1,
  N10: h5 / 2 + 0.05,
  H20: 0,
  N20: 0,
});
function run(
  id: number,
  model: string,
  method: string | null,
  h5: number | null,
  config = {},
): RunInfo {
  const stored = method
    ? {
        kind: 'distill' as const,
        config: StoredDistillConfigSchema.parse({
          dataset: 'demo',
          teacher: 1,
          method,
          studentDim: 20,
          ...config,
        }),
      }
    : {
        kind: 'train' as const,
        config: StoredTrainConfigSchema.parse({ dataset: 'demo', model, dim: 20, ...config }),
      };
  return {
    id,
    uid: `uid-${id}`,
    label: null,
    ...stored,
    model,
    method,
    datasetId: 1,
    dataset: 'demo',
    splitId: 1,
    seed: 0,
    teacherRunId: null,
    branchOf: null,
    replayOf: null,
    status: h5 === null ? 'running' : 'completed',
    backend: 'wasm',
    device: 'cpu',
    appVersion: '0',
    createdAt: '',
    startedAt: null,
    finishedAt: null,
    epochsRun: 3,
    bestEpoch: 1,
    summary: h5 === null ? null : { bestEpoch: 1, valid: metrics(h5), test: metrics(h5) },
    trainSecondsPerEpoch: 1,
    evalSecondsPerEpoch: 1,
    error: null,
    stopReason: null,
    live: null,
  };
}

describe('comparison table and export', () => {
  const runs = [
    run(1, 'BPR', null, 0.4),
    run(2, 'BPR', 'DE', 0.45, { lambdaT: 0.01 }),
    run(3, 'BPR', 'HyperKDMA-DE', 0.5, { lambdaT: 0.1 }),
    run(4, 'BPR', 'PHR', null),
  ];
  const t = compareTable(runs, ['H5', 'N5'], { baselineId: 1 });

  it('lays out methods × metrics, marks the best of each column and the change over a baseline', () => {
    expect(t.columns).toEqual([
      { model: 'BPR', metric: 'H5' },
      { model: 'BPR', metric: 'N5' },
    ]);
    expect(t.rows.map((r) => r.label)).toEqual([
      'BPR d=20 (no KD)',
      'DE d=20',
      'HyperKDMA-DE d=20',
      'PHR d=20',
    ]);
    expect(t.rows[2].best).toEqual([true, true]);
    expect(t.rows[1].best).toEqual([false, false]);
    expect(t.rows[1].delta[0]).toBeCloseTo(0.125, 10);
    expect(t.rows[0].delta).toEqual([null, null]);
    expect(t.rows[3].cells).toEqual([null, null]);
  });

  it('pools the seeds of one configuration into a row: mean, sample sd, every export', () => {
    const seeded = (id: number, seed: number, h5: number, config = {}) => ({
      ...run(id, 'BPR', 'DE', h5, { lambdaT: 0.01, ...config }),
      seed,
      teacherRunId: 100 + seed,
      label: `de-${seed}`,
    });
    const teachers = [0, 1, 2].map((s) => ({
      ...run(100 + s, 'BPR', null, 0.5, { dim: 200 }),
      seed: s,
    }));
    const other = { ...run(200, 'BPR', null, 0.5, { dim: 100 }), seed: 0 };
    const pool = [
      seeded(11, 0, 0.4),
      seeded(12, 1, 0.5),
      seeded(13, 2, 0.45),
      // Another λ, and the same λ from a teacher of another size: rows of their own.
      seeded(14, 0, 0.3, { lambdaT: 0.1 }),
      { ...seeded(15, 0, 0.6), teacherRunId: 200 },
    ];
    const byId = (id: number) => [...teachers, other].find((r) => r.id === id);
    const p = compareTable(pool, ['H5'], { poolSeeds: true, runById: byId, baselineId: 14 });
    expect(p.rows.map((r) => [r.label, r.runIds])).toEqual([
      ['DE d=20 (3 seeds)', [11, 12, 13]],
      ['DE d=20', [14]],
      ['DE d=20', [15]],
    ]);
    expect(p.rows[0].cells[0]).toBeCloseTo(0.45, 12);
    expect(p.rows[0].sd[0]).toBeCloseTo(0.05, 12);
    expect(p.rows[0].h5).toBeCloseTo(0.45, 12);
    expect(p.rows[1].sd).toEqual([null]);
    expect(p.rows[0].delta[0]).toBeCloseTo(0.5, 12);
    // Row 14 holds seed 0 only: no pairs to test. Without a baseline, no test at all.
    expect(p.rows[0].p).toEqual([null]);
    expect(compareTable(pool, ['H5'], { poolSeeds: true, runById: byId }).rows[0].p).toEqual([
      null,
    ]);
    expect(p.rows[2].best).toEqual([true]);
    expect(compareTable(pool, ['H5']).rows).toHaveLength(5);
    // A re-run of seed 0 from the same teacher.
    const rerun = seeded(16, 0, 0.5);
    expect(
      compareTable([seeded(11, 0, 0.4), rerun], ['H5'], { poolSeeds: true, runById: byId }).rows[0]
        .label,
    ).toBe('DE d=20 (2 runs, 1 seed)');
    expect(toCsv(p).split('\n').slice(0, 3)).toEqual([
      'method,run,BPR H@5,BPR H@5 sd',
      'DE d=20 (3 seeds),11 12 13,0.4500,0.0500',
      'DE d=20,14,0.3000,',
    ]);
    expect(toMarkdown(p).split('\n')[2]).toBe('| DE d=20 (3 seeds) | 0.4500 ± 0.0500 |');
    expect(toLatex(p)).toContain('DE d=20 (3 seeds) & 0.4500 $\\pm$ 0.0500 \\\\');
  });

  it('states what each result cost: epochs, best epoch, s/epoch, backend, pooled over seeds', () => {
    const de = [
      { ...run(41, 'BPR', 'DE', 0.5), seed: 0, epochsRun: 216, bestEpoch: 195, backend: 'wasm' },
      {
        ...run(42, 'BPR', 'DE', 0.52),
        seed: 1,
        epochsRun: 180,
        bestEpoch: 159,
        trainSecondsPerEpoch: 3,
        backend: 'tensorflow',
      },
    ];
    const running = { ...run(43, 'BPR', 'PHR', null), bestEpoch: null, trainSecondsPerEpoch: null };
    const t = compareTable([...de, running], ['H5'], {
      poolSeeds: true,
      extras: trainingColumns(),
    });
    expect(t.extras.map((x) => x.name)).toEqual(['epochs', 'best epoch', 's/epoch', 'backend']);
    // Means of the numbers (best epoch counted from 1, as everywhere); the distinct backends.
    expect(t.rows[0].extra).toEqual([198, 178, 2, 'wasm, tensorflow']);
    expect(t.rows[1].extra).toEqual([3, null, null, 'wasm']);
    expect(toMarkdown(t).split('\n')[2]).toBe(
      '| DE d=20 (2 seeds) | **0.5100** ± 0.0141 | 198 | 178 | 2.0 | wasm, tensorflow |',
    );
    expect(toMarkdown(t).split('\n')[3]).toBe('| PHR d=20 | – | 3 | – | – | wasm |');
    expect(toCsv(t).split('\n')[1]).toBe(
      'DE d=20 (2 seeds),41 42,0.5100,0.0141,198,178,2.0,"wasm, tensorflow"',
    );
    expect(toLatex(t)).toContain('PHR d=20 & -- & 3 & -- & -- & wasm \\\\');
  });

  it("tests each pooled row against the baseline's over the seeds both hold", () => {
    const de = [0.5, 0.52, 0.49, 0.53].map((h5, seed) => ({
      ...run(20 + seed, 'BPR', 'DE', h5),
      seed,
    }));
    const phr = [0.48, 0.49, 0.48, 0.5, 0.9].map((h5, seed) => ({
      ...run(30 + seed, 'BPR', 'PHR', h5),
      seed,
    }));
    const t = compareTable([...de, ...phr], ['H5', 'N5'], { poolSeeds: true, baselineId: 31 });
    expect(t.rows.map((r) => r.label)).toEqual(['DE d=20 (4 seeds)', 'PHR d=20 (5 seeds)']);
    // Seeds 0–3 pair up (seed 4 has no DE run): scipy.stats.ttest_rel gives p = 0.01822.
    expect(t.rows[0].p[0]).toBeCloseTo(0.018219854743222408, 6);
    // N@5 is H@5 / 2 here: the same t, the same p.
    expect(t.rows[0].p[1]).toBeCloseTo(0.018219854743222408, 6);
    expect(t.rows[1].p).toEqual([null, null]);
  });

  it('computes the recovered gap', () => {
    expect(recoveredGap(0.45, 0.4, 0.5)).toBeCloseTo(0.5, 10);
    expect(recoveredGap(0.45, 0.4, 0.4)).toBeNull();
  });

  it("finds the recovered gap's teacher and no-KD student in the selection", () => {
    const teacher = {
      ...run(7, 'BPR', null, 0.6),
      config: { ...run(7, 'BPR', null, 0.6).config, dim: 200 },
    } as RunInfo;
    const student = run(8, 'BPR', 'DE', 0.5);
    expect(gapEnds([teacher, { ...student, teacherRunId: 7 } as RunInfo, runs[0]])).toEqual({
      teacher: 7,
      student: 1,
    });
    expect(gapEnds([runs[0]])).toEqual({ teacher: undefined, student: undefined });
  });

  it('diffs configurations, optionally only where they differ', () => {
    const d = configDiff(runs.slice(1, 3), true);
    expect(configDiff([runs[0], runs[1]], false).filter((r) => r.key === 'size')).toEqual([
      { key: 'size', values: ['20', '20'], differs: false },
    ]);
    expect(d).toEqual([
      { key: 'lambdaT', values: ['0.01', '0.1'], differs: true },
      { key: 'method', values: ['"DE"', '"HyperKDMA-DE"'], differs: true },
    ]);
    expect(configDiff(runs.slice(1, 3), false).length).toBeGreaterThan(1);
  });

  it('exports CSV, Markdown (best in bold) and booktabs LaTeX', () => {
    expect(toCsv(t)).toBe(
      'method,run,BPR H@5,BPR N@5\nBPR d=20 (no KD),1,0.4000,0.2000\nDE d=20,2,0.4500,0.2250\nHyperKDMA-DE d=20,3,0.5000,0.2500\nPHR d=20,4,,\n',
    );
    const md = toMarkdown(t).split('\n');
    expect(md[0]).toBe('| Method | BPR H@5 | BPR N@5 |');
    expect(md[4]).toBe('| HyperKDMA-DE d=20 | **0.5000** | **0.2500** |');
    const tex = toLatex(t);
    expect(tex).toContain('\\toprule');
    expect(tex).toContain('\\multicolumn{2}{c}{BPR}');
    expect(tex).toContain('HyperKDMA-DE d=20 & \\textbf{0.5000} & \\textbf{0.2500} \\\\');
    expect(tex).toContain('\\bottomrule');
  });
});

describe("the paper's results beside the runs", () => {
  const [citeulike, foursquare, movielens] = PAPER_SETTINGS;
  const at = (r: RunInfo, teacherDim: number | null = null) =>
    paperRow(citeulike, r, teacherDim)?.row ?? null;
  const hk = (config: Record<string, unknown>) =>
    run(9, 'LightGCN', 'HyperKDMA-DE', 0.5, {
      studentDim: 20,
      taDims: Array(8).fill(40),
      ...config,
    });

  it('finds the row a run reproduces: role by size, method, ablation, TA count, teacher size', () => {
    expect(at(run(1, 'BPR', null, 0.5, { dim: 200 }))).toBe('Teacher');
    expect(at(run(1, 'BPR', null, 0.5, { dim: 20 }))).toBe('Student');
    expect(at(run(1, 'BPR', null, 0.5, { dim: 64 }))).toBeNull();
    expect(at(run(1, 'NeuMF', null, 0.5, { dim: 250 }))).toBe('Teacher');
    expect(at(run(1, 'NeuMF', null, 0.5, { dim: 200 }))).toBeNull();
    expect(at(run(2, 'NGCF', 'TAKD-PHR', 0.5, { taDims: Array(8).fill(40) }), 200)).toBe(
      'TAKD+PHR',
    );
    expect(at(run(2, 'NGCF', 'DE', 0.5), 200)).toBe('DE');
    expect(at(run(2, 'NGCF', 'DE', 0.5), 100)).toBeNull();
    expect(at(run(2, 'NGCF', 'DE', 0.5))).toBeNull();
    expect(at(hk({}), 200)).toBe('HyperKDMA+DE');
    expect(at(hk({ taDims: [40, 80] }), 200)).toBeNull();
    expect(at(hk({ gate: false }), 200)).toBe('HyperKDMA+DE w/o GNet');
    expect(at(hk({ taSource: 'pretrained' }), 200)).toBe('HyperKDMA+DE w/o HNet');
    expect(at(hk({ taSource: 'shared', gate: false }), 200)).toBeNull();
    // A variant is not what the paper ran, and its row says which it is.
    expect(at(hk({ taMode: 'normalised' }), 200)).toBeNull();
    expect(at(hk({ hyperDecay: 0 }), 200)).toBeNull();
    expect(at(hk({ taMode: 'paper' }), 200)).toBe('HyperKDMA+DE');
    expect(rowLabel(hk({ taMode: 'anchored', taAnchor: 0.001, hyperDecay: 0 }))).toBe(
      'HyperKDMA-DE [anchored 0.001, hyper-decay 0] d=20',
    );
    expect(rowLabel(run(3, 'BPR', 'DE', 0.5, { annealEpochs: 200 }))).toBe('DE [anneal 200] d=20');
    // Values as printed: Table 2 (four metrics), Table 4 (H@5, N@5), Table 5 (H@5, N@5).
    expect(paperRow(citeulike, run(1, 'SGL', null, 0.5, { dim: 200 }), null)).toEqual({
      row: 'Teacher',
      source: 'Table 2',
      values: { H5: 0.5405, H10: 0.6424, N5: 0.4217, N10: 0.4563 },
    });
    // Table 4's "w/o GNet" rows belong to the HyperKDMA row above them (DE: 0.555, PHR: 0.5633).
    const phrNoGate = { ...hk({ gate: false }), method: 'HyperKDMA-PHR' };
    expect(paperRow(foursquare, phrNoGate, 200)).toEqual({
      row: 'HyperKDMA+PHR w/o GNet',
      source: 'Table 4',
      values: { H5: 0.5633, N5: 0.4155 },
    });
    expect(
      paperRow(
        movielens,
        run(1, 'NeuMF', 'HyperKDMA-DE', 0.5, { studentDim: 10, taDims: Array(8).fill(50) }),
        100,
      )?.values,
    ).toEqual({ H5: 0.5443, N5: 0.3948 });
  });

  it('recognises the datasets by name', () => {
    expect(paperSettingFor('citeulike-a')?.id).toBe('citeulike');
    expect(paperSettingFor('Foursquare NYC')?.id).toBe('foursquare');
    expect(paperSettingFor('ml-20m')?.id).toBe('movielens-20m');
    expect(paperSettingFor('MovieLens 20M')?.id).toBe('movielens-20m');
    expect(paperSettingFor('ml-1m')).toBeUndefined();
    expect(paperSettingFor('demo')).toBeUndefined();
    expect(commonPaperSetting(['citeulike', 'CiteULike-a'])?.id).toBe('citeulike');
    expect(commonPaperSetting(['citeulike', 'demo'])).toBeUndefined();
    expect(commonPaperSetting([])).toBeUndefined();
  });

  it("finds a distilled run's teacher size by id", () => {
    const teacher = run(7, 'BPR', null, 0.5, { dim: 200 });
    const de = { ...run(8, 'BPR', 'DE', 0.45), teacherRunId: 7 };
    const rows = paperRows(citeulike, (id) => (id === 7 ? teacher : undefined));
    expect(rows(de)?.row).toBe('DE');
    expect(rows({ ...de, teacherRunId: 9 })).toBeNull();
  });

  it('sets the paper row under the run, with the gap, in the table and every export', () => {
    const runs = [run(1, 'BPR', null, 0.5, { dim: 200 }), run(2, 'BPR', null, 0.4, { dim: 32 })];
    const t = compareTable(runs, ['H5', 'H20'], { paper: (r) => paperRow(citeulike, r, null) });
    expect(t.rows[0].paper).toEqual({
      label: 'paper: Teacher (Table 2)',
      cells: [0.5273, null],
      gap: [0.5 - 0.5273, null],
    });
    expect(t.rows[1].paper).toBeNull();
    expect(toCsv(t).split('\n')[2]).toBe('paper: Teacher (Table 2),,0.5273,');
    expect(toMarkdown(t).split('\n')[3]).toBe('| *paper: Teacher (Table 2)* | *0.5273* | – |');
    expect(toLatex(t)).toContain('\\textit{paper: Teacher (Table 2)} & \\textit{0.5273} & -- \\\\');
    // Two runs of the paper's teacher (seeds not pooled): its row once in a file.
    const twice = compareTable([runs[0], { ...runs[0], id: 3, seed: 1 } as RunInfo], ['H5'], {
      paper: (r) => paperRow(citeulike, r, null),
    });
    expect(twice.rows.map((r) => r.paper?.label)).toEqual([
      'paper: Teacher (Table 2)',
      'paper: Teacher (Table 2)',
    ]);
    for (const file of [toCsv(twice), toMarkdown(twice), toLatex(twice)])
      expect(file.split('paper: Teacher').length - 1).toBe(1);
  });

  it('names the ablations in the row label', () => {
    expect(rowLabel(hk({ gate: false }))).toBe('HyperKDMA-DE w/o GNet d=20');
    expect(rowLabel(hk({ taSource: 'shared' }))).toBe('HyperKDMA-DE w/o HNet (shared) d=20');
    expect(rowLabel(run(2, 'BPR', 'DE', 0.5, { gate: false }))).toBe('DE d=20');
    expect(rowLabel(run(1, 'BPR', null, 0.5), new Set([1]))).toBe('Teacher BPR d=20');
  });
});

describe('seed lists', () => {
  it('reads ranges and lists, and says what is wrong', () => {
    expect(parseSeeds('0-4')).toEqual([0, 1, 2, 3, 4]);
    expect(parseSeeds('1, 3,5 ,3')).toEqual([1, 3, 5]);
    expect(parseSeeds('0-1,7')).toEqual([0, 1, 7]);
    expect(parseSeeds('4-2')).toMatch(/backwards/);
    expect(parseSeeds('x')).toMatch(/"x" is not a seed/);
    expect(parseSeeds('')).toMatch(/is not a seed/);
    expect(parseSeeds('0-99')).toMatch(/at most 32/);
    expect(parseSeeds('99999999999')).toMatch(/is not a seed|go up to/);
  });
});

describe('run form validation', () => {
  it('uses the contract schemas and the teacher size', () => {
    expect(validateRun('train', { dataset: 'demo', model: 'BPR', dim: 20 })).toEqual({});
    expect(validateRun('train', { dataset: 'demo', model: 'BPR', dim: 0 })).toHaveProperty('dim');
    expect(validateRun('train', { dataset: 'demo', model: 'BPR', dim: 8, lr: -1 })).toHaveProperty(
      'lr',
    );
    const ok = { dataset: 'demo', teacher: 1, method: 'HyperKDMA-DE', studentDim: 20 };
    expect(validateRun('distill', ok, 200)).toEqual({});
    expect(validateRun('distill', ok)).toEqual({ teacher: 'choose a teacher run' });
    expect(validateRun('distill', { ...ok, studentDim: 200 }, 200)).toHaveProperty('studentDim');
    expect(validateRun('distill', { ...ok, taDims: [10] }, 200)).toHaveProperty('taDims');
    expect(validateRun('distill', { ...ok, dgkdDrop: 'often' }, 200)).toHaveProperty('dgkdDrop');
  });
});

describe('browser API client', () => {
  class FakeSocket {
    static all: FakeSocket[] = [];
    onopen?: () => void;
    onmessage?: (m: { data: string }) => void;
    onclose?: (e: { code: number }) => void;
    sent: { id: number; op: string }[] = [];
    constructor(readonly url: string) {
      FakeSocket.all.push(this);
    }
    send(text: string) {
      const m = JSON.parse(text) as { id: number; op: string };
      this.sent.push(m);
      if (m.op !== 'hang')
        queueMicrotask(() =>
          this.onmessage?.({
            data: JSON.stringify({ id: m.id, result: { ok: true, value: m.op } }),
          }),
        );
    }
    push(event: unknown) {
      this.onmessage?.({ data: JSON.stringify({ event }) });
    }
  }
  afterEach(() => vi.unstubAllGlobals());

  it('queues calls until connected, matches answers, forwards events and survives a reconnect', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('location', {
      protocol: 'http:',
      host: '127.0.0.1:9',
      href: 'http://127.0.0.1:9/?token=secret#/runs',
    });
    const replaceState = vi.fn();
    vi.stubGlobal('history', { state: null, replaceState });
    vi.stubGlobal('WebSocket', FakeSocket);
    const { browserClient } = await import('../../renderer/src/lib/transport');
    const c = browserClient();
    // The token leaves the address bar and the history once the page has its cookie.
    expect(replaceState).toHaveBeenCalledWith(null, '', 'http://127.0.0.1:9/#/runs');
    const ws = FakeSocket.all[0];
    expect(ws.url).toBe('ws://127.0.0.1:9/api');
    const early = c.call('system.info', {});
    ws.onopen!();
    expect(await early).toEqual({ ok: true, value: 'system.info' });
    const events: unknown[] = [];
    c.subscribe((e) => events.push(e));
    ws.push({ type: 'progress', runId: 1, epoch: 0, batch: 1, batches: 2 });
    expect(events).toHaveLength(1);
    const hanging = c.call('hang' as never, {} as never);
    let reconnected = 0;
    c.onReconnect(() => reconnected++);
    ws.onclose!({ code: 1006 });
    expect(await hanging).toMatchObject({ ok: false, error: { message: /connection/ } });
    vi.advanceTimersByTime(300);
    const again = FakeSocket.all[1];
    again.onopen!();
    expect(reconnected).toBe(1);
    expect(await c.call('runs.list', {})).toEqual({ ok: true, value: 'runs.list' });
    // A message over the server's limit closes the socket with 1009; the caller is told why.
    const oversize = c.call('hang' as never, {} as never);
    again.onclose!({ code: 1009 });
    expect(await oversize).toMatchObject({ ok: false, error: { message: /larger than .*1 MiB/ } });
    vi.useRealTimers();
  });
});
