import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Api } from './api';
import type { FileGrants } from './grants';

// Browser mode: the built renderer and the same API as the desktop window, over one WebSocket.
// Loopback only unless a host is given; every request and the socket need the random token.

export interface ServerOptions {
  api: Api;
  grants: FileGrants;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** Where uploaded files go (they are granted like files picked in a dialog). */
  uploadDir: string;
  host?: string;
  port?: number;
  token?: string;
  /** Largest upload accepted, in bytes. */
  maxUpload?: number;
}

export interface RunningServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

const COOKIE = 'hkd_token';
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};
// The page loads only its own scripts, styles and images and talks only to this server.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** Compares in time independent of where the strings differ (hashes equalise lengths). */
export function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(token));
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === COOKIE) return v;
  }
  return undefined;
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  const token = o.token ?? randomBytes(24).toString('base64url');
  const maxUpload = o.maxUpload ?? 8 * 1024 ** 3;
  let allowedHosts: Set<string> = new Set();

  const authorised = (req: IncomingMessage, url: URL) =>
    sameToken(url.searchParams.get('token') ?? cookieToken(req), token);
  // A page on another site cannot reach loopback through DNS rebinding: the Host must be ours.
  const hostOk = (req: IncomingMessage) => allowedHosts.has(req.headers.host ?? '');

  const send = (res: ServerResponse, status: number, body: string, type = 'text/plain') => {
    res.writeHead(status, { 'content-type': type, 'content-security-policy': CSP });
    res.end(body);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!hostOk(req)) return send(res, 421, 'unexpected Host header');
    if (!authorised(req, url))
      return send(res, 401, 'a valid token is required: open the URL hkd serve printed');
    const headers: Record<string, string> = {
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    };
    if (url.searchParams.has('token'))
      headers['set-cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    if (req.method === 'POST' && url.pathname === '/upload') {
      void upload(req, res, url, headers);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = normalize(join(o.rendererDir, rel));
    if (!file.startsWith(o.rendererDir + sep) || !existsSync(file) || !statSync(file).isFile())
      return send(res, 404, 'not found');
    res.writeHead(200, {
      ...headers,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });

  async function upload(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    headers: Record<string, string>,
  ): Promise<void> {
    const length = Number(req.headers['content-length'] ?? NaN);
    if (!Number.isFinite(length)) return send(res, 411, 'content-length required');
    if (length > maxUpload) return send(res, 413, `larger than ${maxUpload} bytes`);
    const name = (url.searchParams.get('name') ?? 'upload').replace(/[^A-Za-z0-9._-]/g, '_');
    mkdirSync(o.uploadDir, { recursive: true });
    const path = join(o.uploadDir, `${randomUUID()}-${name.slice(0, 100)}`);
    try {
      await pipeline(req, createWriteStream(path));
    } catch {
      rmSync(path, { force: true });
      return send(res, 400, 'upload interrupted');
    }
    res.writeHead(200, { ...headers, 'content-type': 'application/json' });
    res.end(JSON.stringify({ file: o.grants.grant(path), name }));
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = req.headers.origin;
    const originOk = origin === undefined || allowedHosts.has(origin.replace(/^https?:\/\//, ''));
    if (url.pathname !== '/api' || !hostOk(req) || !originOk || !authorised(req, url)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, o.api));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const names = host === '127.0.0.1' || host === 'localhost' ? ['127.0.0.1', 'localhost'] : [host];
  allowedHosts = new Set(names.map((n) => `${n}:${port}`));
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/?token=${token}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** One client: requests `{id, op, request}` answered with `{id, result}`, plus pushed events. */
function serveSocket(ws: WebSocket, api: Api): void {
  const unsubscribe = api.subscribe((event) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event }));
  });
  ws.on('close', unsubscribe);
  ws.on('message', (data) => {
    let msg: { id?: unknown; op?: unknown; request?: unknown };
    try {
      msg = JSON.parse(String(data)) as typeof msg;
    } catch {
      ws.send(
        JSON.stringify({
          id: null,
          result: { ok: false, error: { kind: 'invalid', message: 'not JSON' } },
        }),
      );
      return;
    }
    const id = typeof msg?.id === 'number' || typeof msg?.id === 'string' ? msg.id : null;
    void api.call(msg?.op, msg?.request).then((result) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result }));
    });
  });
}
