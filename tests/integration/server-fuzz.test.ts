import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { REQUESTS } from '../../main/contract';
import type { WorkerProcess } from '../../main/runner/worker-process';
import { MAX_MESSAGE_BYTES, startServer, type RunningServer } from '../../main/server';
import { openWorkbench, type Workbench } from '../../main/workbench';
import { Rng } from '../../main/data/rng';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

// Browser mode under attack: malformed request targets, broken WebSocket frames, oversize
// messages and random API calls, with and without the token. After each, the server must still
// answer an authorised request: nothing a client sends may stop it.

const ROOT = join(__dirname, '..', '..');
let wb: Workbench;
let server: RunningServer;
let port: number;
let home: string;
/** Errors nothing handled: in `hkd serve` each of these would have ended the process. */
const crashes: unknown[] = [];
const onCrash = (e: unknown) => crashes.push(e);

/** A worker that ends at once: no random request may start real training here. */
function inert<In, Out>(): WorkerProcess<In, Out> {
  let exit: ((code: number | null, signal: string | null) => void) | undefined;
  setTimeout(() => exit?.(1, null), 5);
  return {
    pid: undefined,
    send: () => {},
    kill: () => {},
    onMessage: () => {},
    onOutput: () => {},
    onExit: (f) => (exit = f),
  };
}

beforeAll(async () => {
  process.on('uncaughtException', onCrash);
  home = mkdtempSync(join(tmpdir(), 'hkd-fuzz-'));
  wb = openWorkbench({ home, launchTrainer: inert, launchImporter: inert });
  server = await startServer({
    api: wb.api,
    grants: wb.grants,
    rendererDir: join(ROOT, 'out', 'renderer'),
    uploadDir: join(home, 'uploads'),
  });
  port = Number(new URL(server.url).port);
});

afterAll(async () => {
  process.off('uncaughtException', onCrash);
  await server?.close();
  wb?.close();
  rmSync(home, { recursive: true, force: true });
});

/** Sends raw bytes and returns what came back before the server closed (or 1.5 s passed). */
function raw(bytes: string | Buffer, keepWriting?: (s: Socket) => void): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, 1500);
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', done);
    s.on('close', done);
    s.write(bytes, () => keepWriting?.(s));
  });
}

const statusOf = (reply: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);

/** The server is alive: an authorised page load and an authorised API call both work. */
async function stillServes(): Promise<void> {
  expect(crashes).toEqual([]);
  const page = await fetch(server.url);
  expect(page.status).toBe(200);
  const info = await apiCall('system.info', {});
  expect(info).toMatchObject({ ok: true });
}

function apiCall(op: unknown, request: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${server.token}`);
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ id: 1, op, request })));
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { id?: number; result?: unknown };
      if (m.id === 1) {
        ws.close();
        resolve(m.result);
      }
    });
  });
}

const host = () => `Host: 127.0.0.1:${port}\r\n`;

describe('browser mode survives malformed requests', () => {
  const targets = [
    '//',
    '///',
    '/\\',
    '//evil.example/',
    '//?token=TOKEN',
    '/%ff',
    '/assets/%',
    '/%',
    '/%zz',
    '/%00',
    '/%c0%af',
    '/..%2f..%2fetc%2fpasswd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/../../etc/passwd',
    '/./index.html',
    '*',
    'http://127.0.0.1:PORT/?token=TOKEN',
    'http://[::1',
    '/?%',
    '/?token=%ff',
    '/?token',
    '/?token=',
    '/??&&==',
    '/#fragment',
    '/;jsessionid=1',
    `/${'a'.repeat(70_000)}`,
    `/?${'x='.repeat(20_000)}`,
    '/index.html%00.js',
    '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    '/%E2%80%AE',
    '/api',
    '/upload',
  ];

  it(`answers ${targets.length} malformed targets, each with and without the token`, async () => {
    expect(targets.length).toBeGreaterThanOrEqual(30);
    for (const t of targets) {
      const target = t.replace('TOKEN', server.token).replace('PORT', String(port));
      for (const auth of ['', `Cookie: hkd_token_${port}=${server.token}\r\n`]) {
        const reply = await raw(
          `GET ${target} HTTP/1.1\r\n${host()}${auth}Connection: close\r\n\r\n`,
        );
        expect([200, 400, 401, 404, 405, 414, 431], `GET ${target.slice(0, 60)}`).toContain(
          statusOf(reply),
        );
        const upgrade = await raw(
          `GET ${target} HTTP/1.1\r\n${host()}${auth}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
        expect([0, 101, 400, 401, 431], `upgrade ${target.slice(0, 60)}`).toContain(
          statusOf(upgrade),
        );
      }
      await stillServes();
    }
  }, 120_000);

  it('answers malformed requests as a whole (methods, headers, bodies, uploads)', async () => {
    const requests = [
      `FOO / HTTP/1.1\r\n${host()}\r\n`,
      `GET /\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost\r\n\r\n`,
      `GET / HTTP/1.1\r\n\r\n`,
      `GET / HTTP/9.9\r\n${host()}\r\n`,
      `\u0000\u0001\u0002\r\n\r\n`,
      `POST /upload?token=${server.token}&name=%ff HTTP/1.1\r\n${host()}Content-Length: 3\r\n\r\nabc`,
      `POST /upload?token=${server.token} HTTP/1.1\r\n${host()}Content-Length: -1\r\n\r\n`,
      `POST /upload?token=${server.token} HTTP/1.1\r\n${host()}Content-Length: 99999999999999999999\r\n\r\n`,
      `POST /upload?token=${server.token} HTTP/1.1\r\n${host()}Transfer-Encoding: chunked\r\n\r\nzz\r\n`,
      `POST /upload?token=${server.token} HTTP/1.1\r\n${host()}Content-Length: 10\r\n\r\nab`,
      `GET / HTTP/1.1\r\n${host()}${'X-A: b\r\n'.repeat(5000)}\r\n`,
    ];
    for (const r of requests) {
      await raw(r);
      await stillServes();
    }
  }, 60_000);
});

/** A WebSocket frame, masked as a client must unless `unmasked`. */
function frame(
  opcode: number,
  payload: Buffer,
  o: { fin?: boolean; rsv?: number; unmasked?: boolean; length?: bigint } = {},
): Buffer {
  const head = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | opcode];
  const len = o.length ?? BigInt(payload.length);
  const mask = o.unmasked ? 0 : 0x80;
  let ext = Buffer.alloc(0);
  if (len < 126n) head.push(mask | Number(len));
  else if (len < 65536n) {
    head.push(mask | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(Number(len));
  } else {
    head.push(mask | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(len);
  }
  if (o.unmasked) return Buffer.concat([Buffer.from(head), ext, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([Buffer.from(head), ext, key, body]);
}

const close = (code: number, reason = Buffer.alloc(0)) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return frame(0x8, Buffer.concat([b, reason]));
};

describe('browser mode survives malformed WebSocket traffic', () => {
  const text = (s: string) => frame(0x1, Buffer.from(s));
  const big = MAX_MESSAGE_BYTES + 1;
  const kinds: [string, Buffer | Buffer[]][] = [
    ['an unmasked frame', frame(0x1, Buffer.from('{}'), { unmasked: true })],
    ['reserved data opcode 3', frame(0x3, Buffer.from('x'))],
    ['reserved control opcode 11', frame(0xb, Buffer.from('x'))],
    ['RSV1 set without an extension', frame(0x1, Buffer.from('{}'), { rsv: 4 })],
    ['a close code below 1000', close(999)],
    ['the reserved close code 1005', close(1005)],
    ['a close code above 4999', close(5000)],
    ['a one-byte close payload', frame(0x8, Buffer.from([3]))],
    ['a close reason that is not UTF-8', close(1000, Buffer.from([0xff, 0xfe]))],
    ['a text frame that is not UTF-8', frame(0x1, Buffer.from([0x7b, 0xc3, 0x28, 0x7d]))],
    ['a ping over 125 bytes', frame(0x9, Buffer.alloc(126, 1))],
    ['a fragmented ping', frame(0x9, Buffer.from('x'), { fin: false })],
    ['a continuation with nothing to continue', frame(0x0, Buffer.from('x'))],
    [
      'a new message inside a fragmented one',
      [frame(0x1, Buffer.from('{'), { fin: false }), text('{}')],
    ],
    ['a 64-bit length with its top bit set', frame(0x1, Buffer.alloc(0), { length: 1n << 63n })],
    ['a declared length over 1 MiB', frame(0x2, Buffer.alloc(0), { length: BigInt(big) })],
    [
      'a message over 1 MiB in fragments',
      [
        frame(0x1, Buffer.alloc(big - 10, 0x20), { fin: false }),
        frame(0x0, Buffer.alloc(10, 0x20)),
      ],
    ],
    ['a binary message', frame(0x2, randomBytes(64))],
    ['a frame cut short', frame(0x1, Buffer.from('{"id":1}')).subarray(0, 5)],
    ['JSON that is not an object', [text('null'), text('[]'), text('"x"'), text('7')]],
    [
      'requests with odd ids and ops',
      [
        text(JSON.stringify({ id: 'x'.repeat(10_000), op: 'system.info' })),
        text(JSON.stringify({ id: { a: 1 }, op: 'x'.repeat(100_000) })),
        text('{"id":1,"op":"__proto__","request":{"__proto__":{"polluted":1}}}'),
      ],
    ],
  ];

  async function handshake(withToken: boolean): Promise<{ s: Socket; reply: string }> {
    return new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      let reply = '';
      s.on('error', () => {});
      s.on('data', (d) => {
        reply += d.toString('latin1');
        if (reply.includes('\r\n\r\n')) resolve({ s, reply });
      });
      s.on('close', () => resolve({ s, reply }));
      s.write(
        `GET /api${withToken ? `?token=${server.token}` : ''} HTTP/1.1\r\n${host()}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  }

  it(`survives ${kinds.length} kinds of broken frames and messages, with and without the token`, async () => {
    expect(kinds.length).toBeGreaterThanOrEqual(15);
    const closeCodes: Record<string, number | null> = {};
    for (const [what, bytes] of kinds) {
      for (const withToken of [true, false]) {
        const { s, reply } = await handshake(withToken);
        expect(statusOf(reply), what).toBe(withToken ? 101 : 401);
        const got: Buffer[] = [];
        s.on('data', (d) => got.push(d));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 400);
          s.on('close', () => {
            clearTimeout(timer);
            resolve();
          });
          for (const b of Array.isArray(bytes) ? bytes : [bytes]) if (s.writable) s.write(b);
        });
        if (withToken) {
          const all = Buffer.concat(got);
          const at = all.findIndex((b, i) => b === 0x88 && i + 3 < all.length);
          closeCodes[what] = at >= 0 ? all.readUInt16BE(at + 2) : null;
        }
        s.destroy();
        await stillServes();
      }
    }
    // Oversize messages are closed with 1009 (message too big), protocol errors with 1002.
    expect(closeCodes['a declared length over 1 MiB']).toBe(1009);
    expect(closeCodes['a message over 1 MiB in fragments']).toBe(1009);
    expect(closeCodes['an unmasked frame']).toBe(1002);
    expect(closeCodes['a text frame that is not UTF-8']).toBe(1007);
  }, 120_000);

  it('answers 2,000 random API messages, each with its id', async () => {
    const rng = Rng.seeded(11, 0);
    const ops = [...Object.keys(REQUESTS), 'nope', '', 'runs.', 'constructor'];
    const words = ['demo', 'BPR', 'DE', 'HyperKDMA-DE', 'x', '../../etc/passwd', '\u0000', 'é', ''];
    const value = (depth: number): unknown => {
      switch (rng.int(depth > 2 ? 6 : 9)) {
        case 0:
          return rng.int(2000) - 1000;
        case 1:
          return [0, -1, 1e308, 2 ** 53, 0.5, Number.MAX_SAFE_INTEGER][rng.int(6)];
        case 2:
          return words[rng.int(words.length)];
        case 3:
          return rng.float() < 0.5;
        case 4:
          return null;
        case 5:
          return randomBytes(rng.int(40)).toString('latin1');
        case 6:
          return Array.from({ length: rng.int(4) }, () => value(depth + 1));
        default: {
          const keys = [
            'id',
            'name',
            'dataset',
            'model',
            'dim',
            'file',
            'teacher',
            'method',
            'run',
            'kind',
            'seeds',
            'users',
            'items',
            'lines',
            'concurrency',
            'studentDim',
            'from',
          ];
          return Object.fromEntries(
            Array.from({ length: rng.int(5) }, () => [
              keys[rng.int(keys.length)],
              value(depth + 1),
            ]),
          );
        }
      }
    };
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${server.token}`);
    await new Promise((r) => ws.once('open', r));
    const answered = new Set<number>();
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { id?: number; result?: { ok: boolean } };
      if (typeof m.id === 'number' && m.result && typeof m.result.ok === 'boolean')
        answered.add(m.id);
    });
    for (let id = 0; id < 2000; id++) {
      const request = rng.float() < 0.1 ? undefined : value(0);
      ws.send(JSON.stringify({ id, op: ops[rng.int(ops.length)], request }));
    }
    await expect.poll(() => answered.size, { timeout: 60_000 }).toBe(2000);
    ws.close();
    await stillServes();
  }, 90_000);
});

describe('browser mode keeps its token out of sight', () => {
  it('names its cookie by port, so two workbenches in one browser do not log each other out', async () => {
    const r = await fetch(server.url);
    expect(r.headers.get('set-cookie')).toMatch(new RegExp(`^hkd_token_${port}=`));
    const other = await fetch(new URL('/', server.url), {
      headers: { cookie: `hkd_token=${server.token}` },
    });
    expect(other.status).toBe(401);
  });

  it('echoes no input unbounded or unescaped in its errors', async () => {
    const reply = (await apiCall('x'.repeat(900_000).concat('\u001b[31m'), {})) as {
      error: { message: string };
    };
    expect(reply.error.message.length).toBeLessThan(1200);
    expect(reply.error.message).not.toContain('\u001b');
  });
});
