import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { forkTrainer } from '../../main/runner/trainer-protocol';
import { forkWorker } from '../../main/runner/worker-process';
import { sameToken, startServer, type RunningServer } from '../../main/server';
import { openWorkbench, type Workbench } from '../../main/workbench';
import type { UploadLimits } from '../../main/uploads';
import { tempDir, tempFile, usersDat } from '../support/tmp';

const ROOT = join(__dirname, '..', '..');
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function serve(
  uploads?: Partial<UploadLimits>,
  artifactFile?: (runId: number, kind: string) => string | undefined,
): Promise<{ wb: Workbench; server: RunningServer; base: string; home: string }> {
  const home = tempDir();
  const wb = openWorkbench({
    home,
    launchTrainer: forkTrainer(join(ROOT, 'out', 'main', 'trainer.js')),
    launchImporter: forkWorker(join(ROOT, 'out', 'main', 'importer.js')),
  });
  const server = await startServer({
    api: wb.api,
    grants: wb.grants,
    rendererDir: join(ROOT, 'out', 'renderer'),
    uploadDir: join(home, 'uploads'),
    uploads,
    artifactFile,
  });
  cleanup.push(
    () => wb.close(),
    () => server.close(),
  );
  return { wb, server, base: new URL(server.url).origin, home };
}

function get(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function socket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    cleanup.push(() => ws.terminate());
  });
}

function ask(ws: WebSocket, msg: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    const on = (d: WebSocket.RawData) => {
      const m = JSON.parse(String(d)) as { id?: unknown; event?: unknown };
      if (m.event) return;
      ws.off('message', on);
      resolve(m);
    };
    ws.on('message', on);
    ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  });
}

describe('browser mode', () => {
  it('compares tokens in constant time over equal-length digests', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abd', 'abc')).toBe(false);
    expect(sameToken('a', 'abc')).toBe(false);
    expect(sameToken(undefined, 'abc')).toBe(false);
  });

  it('listens on loopback and refuses requests without the token or with a foreign Host', async () => {
    const { server, base } = await serve();
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    expect((await get(`${base}/`)).status).toBe(401);
    const wrong = await get(`${base}/?token=wrong`);
    // Says what to do, not an empty page.
    expect([wrong.status, wrong.body]).toEqual([
      401,
      'a valid token is required: open the URL hkd serve printed',
    ]);
    const ok = await get(server.url);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(String(ok.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    // The cookie then authorises the page's own requests.
    const cookie = String(ok.headers['set-cookie']).split(';')[0];
    expect((await get(`${base}/`, { cookie })).status).toBe(200);
    expect((await get(server.url, { host: 'attacker.example:80' })).status).toBe(421);
    expect((await get(`${base}/../../etc/passwd?token=${server.token}`)).status).toBe(404);
  });

  it("downloads a run's artifact files by run and kind, and nothing else", async () => {
    const file = tempFile('gates.hkda', 'HKDA…');
    const { server, base } = await serve(undefined, (run, kind) =>
      run === 2 && kind === 'gates' ? file : undefined,
    );
    const got = await get(`${base}/artifacts/2/gates?token=${server.token}`);
    expect([got.status, got.body, got.headers['content-disposition']]).toEqual([
      200,
      'HKDA…',
      'attachment; filename="run-2-gates.hkda"',
    ]);
    expect((await get(`${base}/artifacts/2/gates`)).status).toBe(401);
    const none = await get(`${base}/artifacts/3/gates?token=${server.token}`);
    expect([none.status, none.body]).toEqual([404, 'run #3 has no gates file']);
    expect(
      (await get(`${base}/artifacts/2/..%2F..%2Fhkd.sqlite?token=${server.token}`)).status,
    ).toBe(404);
  });

  it('serves the API over a WebSocket only with the token and from its own origin', async () => {
    const { server, base } = await serve();
    const ws = `${base.replace('http', 'ws')}/api`;
    await expect(socket(ws)).rejects.toThrow(/401/);
    await expect(socket(`${ws}?token=nope`)).rejects.toThrow(/401/);
    await expect(
      socket(`${ws}?token=${server.token}`, { origin: 'http://evil.example' }),
    ).rejects.toThrow(/401/);
    const c = await socket(`${ws}?token=${server.token}`, { origin: base });
    expect(await ask(c, { id: 1, op: 'system.info', request: {} })).toMatchObject({
      id: 1,
      result: { ok: true, value: { version: expect.any(String) } },
    });
    expect(await ask(c, 'not json')).toMatchObject({ result: { ok: false } });
    expect(await ask(c, { id: 2, op: 'runs.get', request: { id: 'x' } })).toMatchObject({
      id: 2,
      result: { ok: false, error: { kind: 'invalid' } },
    });
    expect(await ask(c, { id: 3, op: 'datasets.list', request: {} })).toMatchObject({
      result: { ok: true, value: [{ name: 'demo' }] },
    });
  });

  it('turns an upload into a granted file the import can use', async () => {
    const { server, base } = await serve();
    const content = usersDat(50, 700, 6);
    const r = await get(
      `${base}/upload?name=my%20users.dat&token=${server.token}`,
      { 'content-length': String(Buffer.byteLength(content)) },
      'POST',
      content,
    );
    expect(r.status).toBe(200);
    const { file } = JSON.parse(r.body) as { file: string };
    const c = await socket(`${base.replace('http', 'ws')}/api?token=${server.token}`);
    expect(await ask(c, { id: 1, op: 'datasets.peek', request: { file, lines: 1 } })).toMatchObject(
      {
        result: { ok: true, value: { format: 'usersdat' } },
      },
    );
    const noToken = await get(`${base}/upload?name=x`, { 'content-length': '1' }, 'POST', 'x');
    expect(noToken.status).toBe(401);
  });
});

describe('browser mode uploads', () => {
  const post = (base: string, token: string, content: string) =>
    get(
      `${base}/upload?name=u.dat&token=${token}`,
      { 'content-length': String(Buffer.byteLength(content)) },
      'POST',
      content,
    );
  const held = (home: string) =>
    readdirSync(join(home, 'uploads'), { recursive: true, withFileTypes: true }).filter((e) =>
      e.isFile(),
    ).length;

  it('removes an upload once it is imported, and refuses uploads over the quota', async () => {
    const content = usersDat(60, 700, 6);
    const { server, base, home } = await serve({ quotaBytes: 2 * content.length });
    const first = JSON.parse((await post(base, server.token, content)).body) as { file: string };
    expect((await post(base, server.token, content)).status).toBe(200);
    const over = await post(base, server.token, content);
    expect(over.status).toBe(413);
    expect(over.body).toMatch(/quota/);
    expect(held(home)).toBe(2);
    const c = await socket(`${base.replace('http', 'ws')}/api?token=${server.token}`);
    const done = new Promise<void>((resolve) =>
      c.on('message', (d) => {
        const m = JSON.parse(String(d)) as { event?: { type: string; job?: { status: string } } };
        if (m.event?.type === 'job' && m.event.job?.status === 'done') resolve();
      }),
    );
    await ask(c, { id: 1, op: 'datasets.import', request: { file: first.file, name: 'up' } });
    await done;
    // The imported upload is gone, and so is its grant; the quota has room again.
    expect(held(home)).toBe(1);
    expect(
      await ask(c, { id: 2, op: 'datasets.peek', request: { file: first.file, lines: 1 } }),
    ).toMatchObject({ result: { ok: false, error: { message: /unknown file/ } } });
    expect((await post(base, server.token, content)).status).toBe(200);
  });

  it('removes uploads nobody uses, and all of them when it closes', async () => {
    const { server, base, home } = await serve({ idleMs: 300 });
    await post(base, server.token, 'x');
    expect(held(home)).toBe(1);
    await expect.poll(() => held(home), { timeout: 5000 }).toBe(0);
    await post(base, server.token, 'y');
    await server.close();
    expect(readdirSync(join(home, 'uploads'))).toEqual([]);
  });
});
