import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { forkTrainer } from '../../main/runner/trainer-protocol';
import { forkWorker } from '../../main/runner/worker-process';
import { sameToken, startServer, type RunningServer } from '../../main/server';
import { openWorkbench, type Workbench } from '../../main/workbench';
import { tempDir, usersDat } from '../support/tmp';

const ROOT = join(__dirname, '..', '..');
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function serve(): Promise<{ wb: Workbench; server: RunningServer; base: string }> {
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
  });
  cleanup.push(
    () => wb.close(),
    () => server.close(),
  );
  return { wb, server, base: new URL(server.url).origin };
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
    expect((await get(`${base}/?token=wrong`)).status).toBe(401);
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
