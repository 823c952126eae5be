import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ClusterAnalysis, RunInfo } from '../../main/contract';
import { changeText, intervalText } from '../../main/shared/spread-text';
import { launchChromium, serveWorkbench } from '../support/browser';
import { tempDir, usersDat } from '../support/tmp';
import { HKD_BIN } from '../support/hkd-bin';

// A new user's path through the workbench in browser mode, with Debian's Chromium.
const SHOTS = join(__dirname, '..', '..', 'test-results', 'screenshots');

let browser: Browser;
let server: { url: string; proc: ChildProcess };
let page: Page;
let home: string;
/** What the page's content security policy refused (inline styles, foreign sources …). */
const refused: string[] = [];
/** Requests the server refused (a favicon it does not have, …) while the page was used. */
const failed: string[] = [];

async function shot(name: string, fullPage = true) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

/** The same API the page uses, to check what it shows. */
async function api(op: string, request: unknown): Promise<unknown> {
  const u = new URL(server.url);
  const ws = new WebSocket(`ws://${u.host}/api?token=${u.searchParams.get('token')}`);
  await new Promise((r) => ws.once('open', r));
  const reply = await new Promise<{ result: { ok: boolean; value: unknown } }>((resolve) => {
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { id?: number; result: { ok: boolean; value: unknown } };
      if (m.id === 1) resolve(m);
    });
    ws.send(JSON.stringify({ id: 1, op, request }));
  });
  ws.close();
  if (!reply.result.ok) throw new Error(JSON.stringify(reply.result));
  return reply.result.value;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // Not tempDir(): that one is removed after each test, and this home lives for the whole file.
  home = mkdtempSync(join(tmpdir(), 'hkd-e2e-'));
  server = await serveWorkbench(home);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
  page.on('pageerror', (e) => {
    throw e;
  });
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) refused.push(m.text());
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.proc.kill('SIGINT');
  rmSync(home, { recursive: true, force: true });
});

describe('workbench in a browser', () => {
  it('refuses the page and the API without the token', async () => {
    const origin = new URL(server.url).origin;
    expect((await fetch(`${origin}/`)).status).toBe(401);
    expect((await fetch(`${origin}/?token=guess`)).status).toBe(401);
    await expect(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`${origin.replace('http', 'ws')}/api`);
        ws.once('open', resolve);
        ws.once('error', reject);
      }),
    ).rejects.toThrow(/401/);
  });

  it('walks a new user from the demo dataset to a HyperKDMA student and its TA weights', async () => {
    await page.goto(server.url);
    // The page keeps the token in its cookie; the address bar and history lose it.
    await expect.poll(() => page.url()).not.toContain('token=');
    // The demo dataset is there on first launch.
    await expect.poll(() => page.locator('[data-testid=datasets]').innerText()).toContain('demo');
    // CiteULike ships with the workbench: offered with one click.
    expect(await page.locator('[data-testid=bundled-citeulike]').innerText()).toMatch(
      /CiteULike .* 5,219 users.*Import citeulike/s,
    );
    await shot('datasets');

    // Import a small file through the file chooser (uploaded to the server, then granted).
    const file = join(tempDir(), 'tiny-users.dat');
    writeFileSync(file, usersDat(120, 700, 8));
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Choose file…' }).click();
    await (await chooser).setFiles(file);
    await expect.poll(() => page.locator('[data-testid=peek]').innerText()).toContain('8 ');
    await page.fill('[data-testid=import-name]', 'tiny');
    await page.getByRole('button', { name: 'Preview statistics' }).click();
    // Background jobs start a process of their own: on a busy machine that takes seconds.
    const slow = { timeout: 30_000 };
    await expect
      .poll(() => page.locator('[data-testid=job]').innerText(), slow)
      .toContain('preview done');
    await page.click('[data-testid=import]');
    await expect
      .poll(() => page.locator('[data-testid=job]').innerText(), slow)
      .toContain('import done');
    await expect.poll(() => page.locator('[data-testid=datasets]').innerText()).toContain('tiny');
    // Recorded under the uploaded file's own name, not the server's upload folder.
    await expect
      .poll(() => page.locator('main h3:has-text("tiny") small').innerText())
      .toBe('tiny-users.dat');
    await shot('import');
    // "Train on tiny →" opens the form on it.
    await page.click('a:has-text("Train on tiny")');
    await expect.poll(() => page.locator('select[name=dataset]').inputValue()).toBe('tiny');

    // Each model offers its own hyperparameters, checked inline.
    await page.click('nav a[href="#/new-run"]');
    await page.selectOption('select[name=model]', 'SGL');
    expect(await page.locator('input[name=temperature]').getAttribute('placeholder')).toBe(
      'default 0.2',
    );
    expect(await page.locator('input[name=nodeDropout]').count()).toBe(0);
    await page.fill('input[name=temperature]', '0');
    await expect
      .poll(() => page.locator('label:has(input[name=temperature]) .error').innerText())
      .toMatch(/>=0\.001|too small/i);
    expect(await page.locator('[data-testid=submit-run]').isDisabled()).toBe(true);
    await page.selectOption('select[name=model]', 'NGCF');
    expect(await page.locator('select[name=adjacency]').count()).toBe(1);
    // What KD distils follows the model: NGCF's layer-0 rows or its scoring output.
    expect(await page.locator('select[name=kdRep] option').allInnerTexts()).toEqual([
      'default (layer-0 rows)',
      'layer-0 rows',
      '[E⁰, norm(E¹), …, norm(E^L)] rows',
    ]);

    // A teacher on the demo dataset, watched to completion.
    await page.selectOption('select:near(:text("preset"))', {
      label: 'Quick: demo teacher (d = 32, 20 epochs)',
    });
    await page.click('summary');
    await page.fill('input[name=maxEpochs]', '40');
    await page.fill('input[name=label]', 'e2e teacher');
    await shot('new-run');
    await page.click('[data-testid=submit-run]');
    await page.waitForURL(/#\/run\/1$/);
    const seen = new Set<string>();
    const results = page.locator('section[aria-label=Results] h3').first();
    await expect
      .poll(
        async () => {
          seen.add(await page.locator('h2 [data-testid=status]').innerText());
          // While it trains, the result is the best epoch so far.
          if (/^Best so far \(epoch \d+ of \d+\)/.test(await results.innerText()))
            seen.add('best so far');
          return seen.has('completed');
        },
        { timeout: 120_000, interval: 50 },
      )
      .toBe(true);
    expect(seen.has('running')).toBe(true);
    expect(seen.has('best so far')).toBe(true);
    await expect.poll(() => results.innerText()).toMatch(/^Result \(best epoch \d+\)/);
    await expect.poll(() => page.locator('[data-testid=test-H5]').innerText()).toMatch(/0\.\d{4}/);
    await shot('run-teacher');
    // The trend card fits its curves from the epoch asked for.
    const trendCard = page.locator('section[aria-label=Trend]');
    await expect
      .poll(() => trendCard.innerText())
      .toMatch(/fitted on epochs \d+–\d+|No curve fits from epoch \d+ on/);
    await page.fill('[data-testid=trend-from]', '5');
    await expect
      .poll(() => trendCard.innerText())
      .toMatch(/fitted on epochs 5–\d+|No curve fits from epoch 5 on/);
    await shot('run-trend');

    // A HyperKDMA student from it: the TA sizes follow Eq. 20 as m changes.
    await page.click('nav a[href="#/new-run"]');
    await page.selectOption('select:near(:text("preset"))', {
      label: 'Quick: demo HyperKDMA+DE (→ 4, m = 2, 10 epochs)',
    });
    await expect
      .poll(() => page.locator('[data-testid=ta-sizes]').innerText())
      .toMatch(/TA sizes: \d+, \d+/);
    await page.fill('input[name=numTas]', '3');
    await expect
      .poll(() => page.locator('[data-testid=ta-sizes]').innerText())
      .toMatch(/TA sizes: \d+, \d+, \d+/);
    await page.fill('input[name=numTas]', '2');
    // A variant is opened on purpose, explained, and checked before it can be queued.
    await page.click('[data-testid=variants] summary');
    await page.selectOption('select[name=taMode]', 'anchored');
    await expect
      .poll(() => page.locator('[data-testid=variants]').innerText())
      .toMatch(/must also reconstruct the teacher[\s\S]*needs taAnchor/);
    expect(await page.locator('[data-testid=submit-run]').isDisabled()).toBe(true);
    await page.selectOption('select[name=taMode]', 'paper');
    await page.click('[data-testid=submit-run]');
    await page.waitForURL(/#\/run\/2$/);
    await expect
      .poll(() => page.locator('h2 [data-testid=status]').innerText(), { timeout: 120_000 })
      .toBe('completed');
    // One small chart per loss term (total, BPR, KD, TA), linear; log and smoothing on demand.
    const losses = page.locator('section[aria-label="Loss terms"]');
    await expect.poll(() => losses.locator('canvas').count()).toBeGreaterThanOrEqual(4);
    expect(await losses.locator('[aria-label="total loss per epoch"]').count()).toBe(1);
    await page.check('input[name=lossLog]');
    await page.locator('input[name=lossSmoothing]').fill('0.6');
    await expect.poll(() => losses.innerText()).toContain('0.60');
    await shot('run-student-losses');
    // Its files download from the page (the desktop window shows them in the file manager).
    const artifact = page.waitForEvent('download');
    await page.click('[data-testid=artifact-gates]');
    expect((await artifact).suggestedFilename()).toBe('run-2-gates.hkda');
    await shot('run-student');

    // Runs list, then Compare with CSV export.
    await page.click('nav a[href="#/runs"]');
    await page.check('input[aria-label="select run 1"]');
    await page.check('input[aria-label="select run 2"]');
    await shot('runs');
    await page.click('nav a[href="#/compare"]');
    await expect.poll(() => page.locator('[data-testid=compare-table] tbody tr').count()).toBe(2);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'CSV' }).click();
    const csv = readFileSync((await (await download).path())!, 'utf8')
      .trim()
      .split('\n');
    const runs = (await api('runs.list', {})) as {
      runs: { id: number; summary: { test: { H5: number } } }[];
    };
    expect(csv[0]).toBe('method,run,BPR H@5,BPR N@5,BPR H@10,BPR N@10');
    expect(csv[1]).toBe(
      // Run 1 taught run 2: the paper's "Teacher" row; the student's size is in its name.
      `Teacher BPR d=32,1,${runs.runs[0].summary.test.H5.toFixed(4)},` +
        csv[1].split(',').slice(3).join(','),
    );
    expect(
      csv[2].startsWith(`HyperKDMA-DE d=4,2,${runs.runs[1].summary.test.H5.toFixed(4)},`),
    ).toBe(true);
    // Curves: any series the selected runs stored, saved as the SVG `hkd runs plot` writes.
    const curves = page.locator('section[aria-label=Curves]');
    await curves.locator('[data-testid=curve-series]').selectOption('ta0.norm/teacher.norm');
    await curves.locator('input[type=checkbox]').check();
    const svgDownload = page.waitForEvent('download');
    await curves.locator('[data-testid=curve-svg]').click();
    expect((await svgDownload).suggestedFilename()).toBe('curves-ta0.norm-teacher.norm.svg');
    const svg = readFileSync((await (await svgDownload).path())!, 'utf8');
    // Only the student has TAs: one line with points, the teacher's empty.
    expect(svg.match(/<polyline points="[^"]+"/g)).toHaveLength(1);
    expect(svg).toContain('>ta0.norm/teacher.norm<');
    await curves.locator('[data-testid=curve-series]').selectOption('valid.H5');
    await curves.locator('input[type=checkbox]').uncheck();
    // The student's lead over its teacher: one line, #2 − #1, at the epochs both have.
    await curves.locator('[data-testid=curve-against]').selectOption('1');
    expect(await curves.locator('input[type=checkbox]').isDisabled()).toBe(true);
    const leadDownload = page.waitForEvent('download');
    await curves.locator('[data-testid=curve-svg]').click();
    expect((await leadDownload).suggestedFilename()).toBe('curves-valid.H5-minus-1.svg');
    const lead = readFileSync((await (await leadDownload).path())!, 'utf8');
    const leadLine = [...lead.matchAll(/<polyline points="([^"]+)"/g)].map((m) => m[1]);
    expect(leadLine).toHaveLength(1);
    expect(lead).toContain('>#2 − #1<');
    const epochsOf = async (id: number) =>
      ((await api('runs.get', { id })) as { epochs: unknown[] }).epochs.length;
    const both = Math.min(await epochsOf(1), await epochsOf(2));
    expect(leadLine[0].split(' ')).toHaveLength(both);
    // The same lead in numbers under the chart.
    const leadText = (await curves.locator('[data-testid=curve-leads]').textContent()) ?? '';
    const counts = new RegExp(
      `#2 − #1:\\s+ahead at (\\d+) of the ${both} epochs both have, behind at (\\d+); mean\\s+[+-]\\d\\.\\d{4}`,
    ).exec(leadText);
    expect(counts, leadText).not.toBeNull();
    expect(Number(counts![1]) + Number(counts![2])).toBeLessThanOrEqual(both);
    await curves.locator('[data-testid=curve-against]').selectOption({ label: '–' });
    await shot('compare');

    // A run at the paper's sizes (BPR d = 20 is Table 2's student), repeated with another seed
    // from its page: the two pool into one row (mean ± sd) with the paper's result beside it.
    const done = (id: number) =>
      expect
        .poll(
          async () => ((await api('runs.get', { id })) as { run: { status: string } }).run.status,
          { timeout: 60_000 },
        )
        .toBe('completed');
    const first = (
      (await api('runs.train', {
        dataset: 'demo',
        model: 'BPR',
        dim: 20,
        maxEpochs: 2,
        label: 'paper-size student',
      })) as { queued: number[] }
    ).queued[0];
    await done(first);
    await page.goto(`${server.url}#/run/${first}`);
    await page.fill('input[name=repeatSeeds]', '1');
    await page.getByRole('button', { name: 'Queue seeds' }).click();
    await expect
      .poll(() => page.locator('[data-testid=repeat-result]').innerText())
      .toMatch(/seed 1: #\d+ \(queued\)/);
    const repeated = /seed 1: #(\d+)/.exec(
      await page.locator('[data-testid=repeat-result]').innerText(),
    )!;
    const queued = [first, Number(repeated[1])];
    await done(queued[1]);
    expect(((await api('runs.get', { id: queued[1] })) as { run: { seed: number } }).run.seed).toBe(
      1,
    );
    await page.getByRole('button', { name: 'Compare them' }).click();
    await page.waitForURL(/#\/compare$/);
    const rows = page.locator('[data-testid=compare-table] tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.nth(2).innerText()).toMatch(
      new RegExp(
        `BPR d=20 \\(no KD\\) \\(2 seeds\\)\\s+#${queued[0]} #${queued[1]}\\s+0\\.\\d{4}± 0\\.\\d{4}`,
      ),
    );
    await page.uncheck('[data-testid=pool-seeds]');
    await expect.poll(() => rows.count()).toBe(4);
    await page.check('[data-testid=pool-seeds]');
    // The curves pool them too: their mean with a ± sd band, in the saved figure as well.
    const pooledDownload = page.waitForEvent('download');
    await curves.locator('[data-testid=curve-svg]').click();
    const pooledSvg = readFileSync((await (await pooledDownload).path())!, 'utf8');
    expect(pooledSvg.match(/<polygon /g)).toHaveLength(1);
    expect(pooledSvg).toContain('>paper-size student (2 seeds)<');
    // Smoothed on request, and the saved figure says so.
    await curves.locator('[data-testid=curve-smoothing]').fill('0.6');
    const smoothDownload = page.waitForEvent('download');
    await curves.locator('[data-testid=curve-svg]').click();
    const smoothSvg = readFileSync((await (await smoothDownload).path())!, 'utf8');
    expect(smoothSvg).toContain('(smoothed: EMA 0.6)<');
    await curves.locator('[data-testid=curve-smoothing]').fill('0');
    // What each result cost, beside the metrics: the pooled row's mean epochs and its backend.
    await page.check('[data-testid=show-training]');
    const header = page.locator('[data-testid=compare-table] thead');
    await expect.poll(() => header.innerText()).toMatch(/epochs\s+best epoch\s+s\/epoch\s+backend/);
    const seeds = await Promise.all(
      queued.map(async (id) => ((await api('runs.get', { id })) as { run: RunInfo }).run),
    );
    expect(await rows.nth(2).innerText()).toMatch(
      new RegExp(
        `\\s${((seeds[0].epochsRun + seeds[1].epochsRun) / 2).toFixed(0)}\\s.*\\s${seeds[0].backend}\\s*×?$`,
      ),
    );
    await page.uncheck('[data-testid=show-training]');
    expect(await page.locator('[data-testid=paper-setting]').inputValue()).toBe('none');
    expect(await page.locator('[data-testid=paper-row]').count()).toBe(0);
    await page.selectOption('[data-testid=paper-setting]', 'citeulike');
    await expect.poll(() => page.locator('[data-testid=paper-row]').count()).toBe(1);
    expect(await page.locator('[data-testid=paper-row]').innerText()).toMatch(
      /paper: Student \(Table 2\)\s+0\.4432/,
    );
    await shot('compare-paper');
    await page.click(`button[aria-label="remove run ${queued.join(', ')}"]`);
    await expect.poll(() => rows.count()).toBe(2);

    // TA weights: look up one user and check the bars against the API.
    await page.click('nav a[href="#/gates"]');
    await expect.poll(() => page.locator('[data-testid=heatmap]').count()).toBe(1);
    await page.fill('[data-testid=entity-search]', '7');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect
      .poll(() => page.locator('[data-testid=entity-detail]').innerText())
      .toContain('user 7');
    const want = (await api('gates.detail', { run: 2, kind: 'user', id: 7 })) as {
      weights: number[];
    };
    const text = await page.locator('[data-testid=entity-detail]').innerText();
    for (const w of want.weights) expect(text).toContain(w.toFixed(3));
    expect(want.weights.reduce((a, b) => a + b)).toBeCloseTo(1, 5);
    // The heatmap's legend spans the run's weights around 1/m, its columns name the TAs, and a
    // cell tells its weight on hover (the first row is the first of the heatmap's order).
    const summary = (await api('gates.summary', { run: 2, kind: 'user' })) as {
      taDims: number[];
      weightRange: { min: number; max: number };
    };
    const m = summary.taDims.length;
    const legend = await page.locator('[data-testid=heatmap-legend]').innerText();
    expect(legend).toContain(`1/m = ${(1 / m).toFixed(3)}`);
    const spread = Math.max(summary.weightRange.max - 1 / m, 1 / m - summary.weightRange.min);
    expect(legend).toContain((1 / m + spread).toFixed(3));
    const heads = await page.locator('[data-testid=heatmap-heads]').innerText();
    for (const d of summary.taDims) expect(heads).toContain(`d = ${d}`);
    const box = (await page.locator('[data-testid=heatmap]').boundingBox())!;
    await page.mouse.move(box.x + 2, box.y + 1);
    const top = (await api('gates.rows', { run: 2, kind: 'user', offset: 0, limit: 1 })) as {
      rows: { id: number; weights: number[] }[];
    };
    await expect
      .poll(() => page.locator('[data-testid=heatmap-hover]').innerText())
      .toContain(
        `user ${top.rows[0].id} · TA 1 (d = ${summary.taDims[0]}): weight ${top.rows[0].weights[0].toFixed(4)}`,
      );
    await shot('ta-weights');
  }, 300_000);

  it('shows runs started from the command line while the window is open', async () => {
    const { spawnSync } = await import('node:child_process');
    await page.click('nav a[href="#/runs"]');
    const r = spawnSync(process.execPath, [
      HKD_BIN,
      '--home',
      home,
      'train',
      '--dataset',
      'tiny',
      '--model',
      'BPR',
      '--dim',
      '8',
      '--max-epochs',
      '2',
      '--label',
      'from-cli',
    ]);
    expect(r.status, String(r.stderr)).toBe(0);
    await expect
      .poll(() => page.locator('[data-testid=runs]').innerText(), { timeout: 10_000 })
      .toContain('from-cli');

    // It stopped at its epoch limit; train it further from its page.
    const { runs } = (await api('runs.list', {})) as {
      runs: { id: number; label: string; epochsRun: number; status: string }[];
    };
    const id = runs.find((x) => x.label === 'from-cli')!.id;
    await page.click(`a[href="#/run/${id}"]`);
    expect(await page.locator('input[name=extendMaxEpochs]').inputValue()).toBe('4');
    await page.getByRole('button', { name: 'Continue training' }).click();
    await expect
      .poll(
        async () =>
          (await api('runs.get', { id })) as { run: { status: string; epochsRun: number } },
        {
          timeout: 30_000,
        },
      )
      .toMatchObject({ run: { status: 'completed', epochsRun: 4 } });
    await expect.poll(() => page.locator('h2 [data-testid=status]').innerText()).toBe('completed');
    await shot('run-extended');
    // Or further still as a new run that stops by the authors' rule; this one stays as it is.
    await page.locator('input[name=extendMaxEpochs]').fill('6');
    await page.locator('select[name=extendEarlyStop]').selectOption('any');
    expect(await page.getByRole('button', { name: 'Continue training' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Continue as a new run' }).click();
    const queuedAs = page.locator('section[aria-label=Extend] [role=status]');
    await expect
      .poll(() => queuedAs.innerText())
      .toMatch(/^Queued as #\d+ from-cli → early-stop any, max-epochs 6/);
    const branchId = Number((await queuedAs.locator('a').getAttribute('href'))!.split('/').pop());
    await expect
      .poll(async () => (await api('runs.get', { id: branchId })) as { run: object }, {
        timeout: 30_000,
      })
      .toMatchObject({ run: { status: 'completed', epochsRun: 6, config: { earlyStop: 'any' } } });
    expect(await api('runs.get', { id })).toMatchObject({ run: { epochsRun: 4 } });
    // Its kept checkpoint can be discarded to free the disk; then it can no longer be extended.
    await page.getByRole('button', { name: /Discard state \(\d+ kB\)/ }).click();
    await expect
      .poll(() => page.locator('section[aria-label=Extend]').innerText())
      .toContain('kept no training state');
    expect(await page.locator('section[aria-label="Artifacts and log"]').innerText()).not.toContain(
      'resume',
    );

    // Brought back from a results-only bundle, it is replayed from its page: trained again here,
    // epoch for epoch, and given back its representations.
    const bundle = join(tempDir(), 'from-cli.hkdb');
    const hkd = (...argv: string[]) =>
      spawnSync(process.execPath, [HKD_BIN, '--home', home, ...argv]);
    expect(hkd('runs', 'export', String(id), '--out', bundle, '--no-embeddings').status).toBe(0);
    await api('runs.delete', { id });
    const imported = hkd('runs', 'import', bundle, '--json');
    expect(imported.status, String(imported.stderr)).toBe(0);
    const back = (JSON.parse(String(imported.stdout)) as { runs: { id: number }[] }[])[0].runs[0]
      .id;
    await page.goto(`${server.url.split('?')[0]}#/run/${back}`);
    await page.getByRole('button', { name: 'Replay' }).click();
    await expect.poll(() => page.getByTestId('replay-result').innerText()).toMatch(/^queued as #/);
    await expect
      .poll(
        async () => {
          const d = (await api('runs.get', { id: back })) as { artifacts: { kind: string }[] };
          return d.artifacts.map((a) => a.kind).sort();
        },
        { timeout: 30_000 },
      )
      .toEqual(['checkpoint', 'embeddings', 'ranks', 'resume']);
    await expect
      .poll(() => page.locator('section[aria-label="Artifacts and log"]').innerText())
      .toContain('embeddings');
    expect(await page.locator('section[aria-label=Replay]').count()).toBe(0);
  }, 90_000);

  it('says in the runs table why each run stopped, shows sizes, hides columns, and acts on a selection', async () => {
    const { spawnSync } = await import('node:child_process');
    for (const label of ['bulk-a', 'bulk-b'])
      expect(
        spawnSync(process.execPath, [
          HKD_BIN,
          ...['--home', home, 'train', '--dataset', 'tiny', '--model', 'BPR', '--dim', '4'],
          ...['--max-epochs', '1', '--label', label],
        ]).status,
      ).toBe(0);
    await page.click('nav a[href="#/runs"]');
    const table = page.locator('[data-testid=runs]');
    await expect.poll(() => table.innerText()).toContain('bulk-b');
    const { runs } = (await api('runs.list', {})) as {
      runs: { id: number; label: string | null; stopReason: string | null }[];
    };
    const byLabel = (l: string) => runs.find((r) => r.label === l)!.id;
    expect(await page.locator(`[data-testid=stop-${byLabel('from-cli')}]`).innerText()).toBe(
      'epoch limit (4)',
    );
    // The student: its teacher's size, its own and how many TAs.
    expect(await page.locator('[data-testid=sizes-2]').innerText()).toBe('32 → 4 · 2 TAs');
    expect(await page.locator('[data-testid=stop-1]').innerText()).toMatch(
      /^early stop at epoch \d+ \(best \d+, patience \d+\)$|^epoch limit \(40\)$/,
    );

    // Columns can be hidden, and stay hidden after a reload.
    await page.click('summary:has-text("Columns")');
    await page.locator('.columns label', { hasText: 'created' }).locator('input').uncheck();
    expect(await table.locator('thead').innerText()).not.toContain('created');
    await page.reload();
    await expect.poll(() => table.locator('thead').innerText()).toContain('duration');
    expect(await table.locator('thead').innerText()).not.toContain('created');
    await page.click('summary:has-text("Columns")');
    await page.locator('.columns label', { hasText: 'created' }).locator('input').check();
    await page.click('summary:has-text("Columns")');
    await shot('runs');

    // A distillation's teacher defaults to the newest base model larger than the student (the
    // paper-size d = 20 students are newer, and #2 is itself a student).
    await page.goto(`${server.url.split('?')[0]}#/new-run?dataset=demo`);
    await page.check('input[type=radio][value=distill]');
    await expect.poll(() => page.locator('select[name=teacher]').inputValue()).toBe('1');
    await page.click('nav a[href="#/runs"]');

    // Two runs selected and deleted in one go; the others stay.
    const [a, b] = [byLabel('bulk-a'), byLabel('bulk-b')];
    await page.evaluate("localStorage.setItem('hkd.compare', '[]')");
    await page.reload();
    await page.getByLabel(`select run ${a}`, { exact: true }).check();
    await page.getByLabel(`select run ${b}`, { exact: true }).check();
    const bar = page.getByRole('toolbar', { name: 'selected runs' });
    expect(await bar.innerText()).toContain('2 selected');
    await bar.getByRole('button', { name: 'Delete 2…' }).click();
    await bar.getByRole('button', { name: `Really delete #${a}, #${b}` }).click();
    await expect
      .poll(async () => ((await api('runs.list', {})) as { runs: { id: number }[] }).runs.length)
      .toBe(runs.length - 2);
    await expect.poll(() => table.innerText()).not.toContain('bulk-a');
    await expect.poll(() => bar.count()).toBe(0);
    // Ids are never given twice: the next run comes after the deleted ones.
    const next = spawnSync(process.execPath, [
      HKD_BIN,
      ...['--home', home, 'train', '--dataset', 'tiny', '--model', 'BPR', '--dim', '4'],
      ...['--queue', '--json'],
    ]);
    expect(JSON.parse(String(next.stdout)).queued).toEqual([b + 1]);
    await expect.poll(() => table.innerText()).toContain(String(b + 1));

    // A longer run while it trains: its best so far and earliest stop in its row; then cancelled.
    const live = JSON.parse(
      String(
        spawnSync(process.execPath, [
          HKD_BIN,
          ...['--home', home, 'train', '--dataset', 'demo', '--model', 'BPR', '--dim', '64'],
          ...['--max-epochs', '400', '--patience', '400', '--queue', '--json'],
        ]).stdout,
      ),
    ).queued[0] as number;
    await expect
      .poll(() => page.locator(`[data-testid=valid-h5-${live}]`).innerText(), { timeout: 60_000 })
      .toMatch(/^0\.\d{4}\s?so far$/);
    expect(await page.locator(`[data-testid=stop-${live}]`).innerText()).toMatch(
      /epoch \d+.*stops in ≈ \d+ (s|min) unless it improves/s,
    );
    await shot('runs-live');

    // Two runs queued behind it: their places, and the second moved to the front.
    const queue = (label: string) =>
      JSON.parse(
        String(
          spawnSync(process.execPath, [
            HKD_BIN,
            ...['--home', home, 'train', '--dataset', 'tiny', '--model', 'BPR', '--dim', '4'],
            ...['--label', label, '--queue', '--json'],
          ]).stdout,
        ),
      ).queued[0] as number;
    const [q1, q2] = [queue('waits-1'), queue('waits-2')];
    const place = (id: number) => page.locator(`[data-testid=queue-place-${id}]`).innerText();
    await expect.poll(() => place(q2)).toBe('2 in queue');
    expect(await place(q1)).toBe('next');
    await page
      .locator(`[data-testid=run-row-${q2}]`)
      .getByRole('button', { name: 'Run next' })
      .click();
    await expect.poll(() => place(q2)).toBe('next');
    expect(await place(q1)).toBe('2 in queue');
    expect(await api('runs.queue', {})).toEqual({ queue: [q2, q1] });
    for (const id of [q1, q2]) await api('runs.cancel', { id });
    await expect.poll(() => page.locator('[data-testid^=queue-place-]').count()).toBe(0);
    await page
      .locator(`[data-testid=run-row-${live}]`)
      .getByRole('button', { name: 'Cancel' })
      .click();
    await expect
      .poll(() => page.locator(`[data-testid=stop-${live}]`).innerText(), { timeout: 30_000 })
      .toMatch(/^cancelled at epoch \d+$/);
  }, 150_000);

  it('creates a small sweep from the Sweeps view, watches it fill, exports its figure, and analyses two runs by teacher cluster', async () => {
    await page.goto(`${server.url.split('?')[0]}#/sweeps`);
    await page.getByRole('button', { name: 'Fig. 4: number of TAs' }).click();
    await page.fill('[data-testid=sweep-name]', 'e2e sweep');
    await page.selectOption('[data-testid=sweep-teacher]', '1');
    await page.fill('[data-testid=sweep-student-dim]', '4');
    await page.fill('[data-testid=sweep-values-0]', '1,2');
    await page.fill('[data-testid=sweep-max-epochs]', '2');
    // A variant of HyperKDMA's TA term reaches its runs only (DE has none).
    await page.selectOption('[data-testid=sweep-ta-mode]', 'normalised');
    await page.click('[data-testid=sweep-create]');
    await expect.poll(() => page.url()).toMatch(/#\/sweeps\/\d+$/);
    const id = Number(/(\d+)$/.exec(page.url())![1]);
    // Two TA counts × DE and HyperKDMA+DE: DE does not take a TA count, so three runs fill four
    // cells; the page follows them to the end.
    await expect
      .poll(() => page.locator('[data-testid=sweep-progress]').innerText(), { timeout: 120_000 })
      .toContain('3 of 3 runs completed');
    const grid = await page.locator('[data-testid=sweep-grid]').innerText();
    expect(grid.match(/0\.\d{4}/g)).toHaveLength(4);
    await expect.poll(() => page.locator('[data-testid=sweep-figure] canvas').count()).toBe(1);
    await shot('sweep');
    const saved = async (button: string) => {
      const download = page.waitForEvent('download');
      await page.click(`[data-testid=${button}]`);
      const d = await download;
      return { name: d.suggestedFilename(), text: readFileSync((await d.path())!, 'utf8') };
    };
    const png = await saved('sweep-png');
    expect(png.name).toBe(`sweep-${id}-H5.png`);
    expect(png.text.slice(1, 4)).toBe('PNG');
    const svg = await saved('sweep-svg');
    expect(svg.text).toMatch(/^<svg [^>]*>.*HyperKDMA-DE.*<\/svg>$/s);
    const csv = await saved('sweep-csv');
    expect(csv.text.split('\n')[0]).toBe(
      'num-tas,method,n,H@5 mean,H@5 sd,N@5 mean,N@5 sd,H@10 mean,H@10 sd,N@10 mean,N@10 sd,runs',
    );
    expect(csv.text.trim().split('\n')).toHaveLength(5);
    const { runs } = (await api('runs.list', {})) as {
      runs: { label: string | null; method: string | null; config: { taMode?: string } }[];
    };
    const swept = runs.filter((r) => r.label?.startsWith('e2e sweep:'));
    expect(swept.map((r) => [r.method, r.config.taMode ?? 'paper']).sort()).toEqual([
      ['DE', 'paper'],
      ['HyperKDMA-DE', 'normalised'],
      ['HyperKDMA-DE', 'normalised'],
    ]);

    // The teacher and its HyperKDMA student by teacher cluster, side by side.
    await page.click('nav a[href="#/analysis"]');
    await page.locator('input[type=checkbox][value="1"]').check();
    await page.locator('input[type=checkbox][value="2"]').check();
    await page.fill('input[placeholder=auto]', '3');
    await page.click('[data-testid=analyse]');
    await expect
      .poll(() => page.locator('[data-testid=cluster-table] tbody tr').count(), { timeout: 60_000 })
      .toBe(2);
    expect(await page.locator('[data-testid=cluster-table]').innerText()).toMatch(
      /0\.0000\s+0\.\d{4}/,
    );
    expect(await page.locator('[data-testid=cluster-scatter]').count()).toBe(2);
    // Bootstrap intervals of the spread, and the student's change against the teacher.
    await page.locator('label:has-text("2-D projection") input').uncheck();
    await page.locator('[data-testid=spread-intervals]').check();
    await page.locator('[data-testid=spread-baseline]').selectOption({ label: '#1 e2e teacher' });
    await page.click('[data-testid=analyse]');
    await expect.poll(() => page.locator('[data-testid=spread-note]').count()).toBe(1);
    const boot = (await api('analysis.clusters', {
      runs: [1, 2],
      k: 3,
      projection: false,
      bootstrap: 2000,
      baseline: 1,
    })) as ClusterAnalysis;
    const studentRow = await page
      .locator('[data-testid=cluster-table] tbody tr')
      .nth(1)
      .innerText();
    expect(studentRow).toContain(intervalText(boot.runs[1].stdInterval!.H5));
    expect(studentRow).toContain(changeText(boot.runs[1].change!.H5));
    // Per user: the student's test ranks against the teacher's, and H@5 by activity.
    await page.click('[data-testid=user-views]');
    await expect.poll(() => page.locator('[data-testid=activity-bins] canvas').count()).toBe(1);
    await shot('analyses');
    // A user's panel links to its lookup among the student's TA weights.
    await page.goto(`${server.url.split('?')[0]}#/gates/2?user=3`);
    await expect
      .poll(() => page.locator('[data-testid=entity-detail] h4').first().innerText())
      .toMatch(/^user 3 /);

    // The collapse warning's link opens its section of the shipped account, figures included.
    await page.goto(`${server.url.split('?')[0]}#/docs?name=FIDELITY&section=the-collapse`);
    const section = page.locator('[data-testid=doc] h2#the-collapse');
    await expect.poll(() => section.isVisible()).toBe(true);
    await expect.poll(async () => (await section.boundingBox())?.y ?? -1).toBeLessThan(200);
    expect(
      await page.locator('[data-testid=doc] img[src^="data:image/svg+xml"]').count(),
    ).toBeGreaterThan(0);
  }, 240_000);

  it('fits every view at 1440×900 and 1024×700 in both themes, without horizontal overflow', async () => {
    const views = [
      'datasets',
      'new-run',
      'runs',
      'run/2',
      'compare',
      'gates/2',
      'sweeps',
      'sweeps/1',
      'analysis',
      'docs?name=FIDELITY',
    ];
    const overflow: string[] = [];
    for (const [width, height] of [
      [1440, 900],
      [1024, 700],
    ])
      for (const scheme of ['light', 'dark'] as const) {
        await page.setViewportSize({ width, height });
        await page.emulateMedia({ colorScheme: scheme });
        for (const view of views) {
          await page.goto(`${server.url.split('?')[0]}#/${view}`);
          await page.waitForSelector('main h2');
          await page.waitForTimeout(150);
          const [scroll, inner] = (await page.evaluate(
            '[document.documentElement.scrollWidth, innerWidth]',
          )) as [number, number];
          if (scroll > inner) overflow.push(`${view} at ${width}×${height} ${scheme}: ${scroll}px`);
          await shot(`${width}x${height}-${scheme}-${view.replace(/[/?=]/g, '-')}`);
          // What the README shows (docs/images/tour.png is a copy of it).
          if (view === 'run/2' && width === 1440 && scheme === 'light') await shot('tour', false);
        }
      }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1360, height: 900 });
    expect(overflow).toEqual([]);
  }, 120_000);

  it('needed nothing its strict content security policy refuses', () => {
    // No 'unsafe-inline' styles: every view above rendered without one refusal.
    expect(refused).toEqual([]);
    // And nothing it asked for was missing (the favicon is inline).
    expect(failed).toEqual([]);
  });

  it('deletes a dataset from its page, refusing one that runs use', async () => {
    await page.click('nav a[href="#/datasets"]');
    await page.click('[data-testid=datasets] button:has-text("tiny")');
    await page.getByRole('button', { name: 'Delete dataset…' }).click();
    await page.getByRole('button', { name: 'Really delete tiny' }).click();
    await expect
      .poll(() => page.locator('main [role=alert]').allInnerTexts())
      .toContainEqual(
        expect.stringMatching(
          /^dataset 'tiny' has \d+ run\(s\) \(#\d+(, #\d+)*\): delete them first$/,
        ),
      );
    expect(await page.locator('[data-testid=datasets]').innerText()).toContain('tiny');
  }, 30_000);

  it('says on the page when the connection to the workbench is lost', async () => {
    await page.click('nav a[href="#/runs"]');
    expect(await page.locator('[data-testid=connection-lost]').count()).toBe(0);
    server.proc.kill('SIGINT');
    await expect
      .poll(() => page.locator('[data-testid=connection-lost]').innerText(), { timeout: 10_000 })
      .toMatch(/connection to the workbench is lost; reconnecting/);
  }, 30_000);
});
