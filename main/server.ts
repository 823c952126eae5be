import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Api } from './api';
import { printable } from './errors';
import type { FileGrants } from './grants';
import { DEFAULT_UPLOAD_LIMITS, UploadRefused, Uploads, type UploadLimits } from './uploads';

// Browser mode: the built renderer and the same API as the desktop window, over one WebSocket.
// Loopback only unless a host is given; every request and the socket need the random token.
// Whatever arrives — a malformed URL, a broken frame, an oversize message — is answered with an
// error or a closed socket, never by stopping the server.

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
  uploads?: Partial<UploadLimits>;
  /** Where a run's artifact of a kind is, if it has one (downloads at /artifacts/<run>/<kind>). */
  artifactFile?: (runId: number, kind: string) => string | undefined;
}

export interface RunningServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

/** Largest WebSocket message accepted; a larger one closes the socket with 1009. */
export const MAX_MESSAGE_BYTES = 1 << 20;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};
// The page loads only its own scripts, styles and images and talks only to this server (its
// WebSocket is same-origin: 'self'); no inline script or style. The window's meta tag
// (renderer/index.html) says the same, less what only a header can say.
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** Compares in time independent of where the strings differ (hashes equalise lengths). */
export function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(token));
}

/** A request target split into a decoded path and its query; undefined when malformed. */
export function parseTarget(target: string): { path: string; query: URLSearchParams } | undefined {
  if (!target.startsWith('/')) return undefined;
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  return { path, query: new URLSearchParams(q === -1 ? '' : target.slice(q + 1)) };
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  const token = o.token ?? randomBytes(24).toString('base64url');
  const uploads = new Uploads(o.uploadDir, o.grants, { ...DEFAULT_UPLOAD_LIMITS, ...o.uploads });
  // Uploads are removed once imported; one an import is reading is never swept.
  const unsubscribe = o.api.subscribe((e) => {
    if (e.type !== 'job' || e.job.file === undefined) return;
    uploads.setBusy(e.job.file, e.job.status === 'running');
    if (e.job.kind === 'import' && e.job.status === 'done') uploads.release(e.job.file);
  });
  let allowedHosts: Set<string> = new Set();
  // Cookies are not kept apart by port: a name per server keeps two workbenches from logging
  // each other out.
  let cookie = 'hkd_token';

  const authorised = (req: IncomingMessage, query: URLSearchParams) =>
    sameToken(query.get('token') ?? cookieValue(req, cookie), token);
  // A page on another site cannot reach loopback through DNS rebinding: the Host must be ours.
  const hostOk = (req: IncomingMessage) => allowedHosts.has(req.headers.host ?? '');

  const send = (res: ServerResponse, status: number, body: string) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
    });
    res.end(printable(body, 500));
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const target = parseTarget(req.url ?? '');
    if (!target) return send(res, 400, 'malformed request target');
    if (!hostOk(req)) return send(res, 421, 'unexpected Host header');
    if (!authorised(req, target.query))
      return send(res, 401, 'a valid token is required: open the URL hkd serve printed');
    const headers: Record<string, string> = {
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    };
    if (target.query.has('token'))
      headers['set-cookie'] = `${cookie}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    if (req.method === 'POST' && target.path === '/upload')
      return upload(req, res, target.query, headers);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
    const artifact = /^\/artifacts\/(\d{1,10})\/([a-z-]{1,40})$/.exec(target.path);
    if (artifact) {
      const [runId, kind] = [Number(artifact[1]), artifact[2]];
      const path = o.artifactFile?.(runId, kind);
      if (!path || !isFile(path)) return send(res, 404, `run #${runId} has no ${kind} file`);
      res.writeHead(200, {
        ...headers,
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename="run-${runId}-${kind}${extname(path)}"`,
      });
      if (req.method === 'HEAD') return res.end();
      return void pipeline(createReadStream(path), res).catch(() => res.destroy());
    }
    const rel = target.path === '/' ? 'index.html' : target.path.slice(1);
    const file = normalize(join(o.rendererDir, rel));
    if (!file.startsWith(o.rendererDir + sep) || !isFile(file)) return send(res, 404, 'not found');
    res.writeHead(200, {
      ...headers,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    });
    if (req.method === 'HEAD') return res.end();
    pipeline(createReadStream(file), res).catch(() => res.destroy());
  };

  const server = createServer((req, res) => {
    req.on('error', () => res.destroy());
    res.on('error', () => res.destroy());
    try {
      handle(req, res);
    } catch {
      send(res, 400, 'bad request');
    }
  });
  // Upgraded and half-open sockets are no longer the HTTP server's: close() ends them too.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  function upload(
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
    headers: Record<string, string>,
  ): void {
    const length = Number(req.headers['content-length'] ?? NaN);
    if (!Number.isSafeInteger(length) || length < 0)
      return send(res, 411, 'content-length required');
    const name = (query.get('name') ?? 'upload').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
    uploads.receive(req, length, name).then(
      (file) => {
        res.writeHead(200, { ...headers, 'content-type': 'application/json' });
        res.end(JSON.stringify({ file, name }));
      },
      (e: unknown) => {
        const status = e instanceof UploadRefused ? e.status : 500;
        send(res, status, e instanceof Error ? e.message : 'upload failed');
        // The rest of a refused body is not read: close instead of waiting for it.
        res.once('finish', () => req.destroy());
      },
    );
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  wss.on('error', () => {});
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      const target = parseTarget(req.url ?? '');
      const origin = req.headers.origin;
      const originOk = origin === undefined || allowedHosts.has(origin.replace(/^https?:\/\//, ''));
      if (
        !target ||
        target.path !== '/api' ||
        !hostOk(req) ||
        !originOk ||
        !authorised(req, target.query)
      ) {
        socket.end(
          'HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\na valid token is required',
        );
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, o.api));
    } catch {
      socket.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  server.on('error', () => {});
  const { port } = server.address() as AddressInfo;
  cookie = `hkd_token_${port}`;
  const names = host === '127.0.0.1' || host === 'localhost' ? ['127.0.0.1', 'localhost'] : [host];
  allowedHosts = new Set(names.map((n) => `${n}:${port}`));
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/?token=${token}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        uploads.close();
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }),
  };
}

const isMessage = (m: unknown): m is { id?: unknown; op?: unknown; request?: unknown } =>
  m !== null && typeof m === 'object';

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** One client: requests `{id, op, request}` answered with `{id, result}`, plus pushed events. */
function serveSocket(ws: WebSocket, api: Api): void {
  const reply = (value: unknown) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(value));
  };
  // A malformed or oversize frame closes this socket (ws picks the close code: 1002, 1007,
  // 1009 …); the error must be handled here or it would end the process.
  ws.on('error', () => ws.terminate());
  const unsubscribe = api.subscribe((event) => reply({ event }));
  ws.on('close', unsubscribe);
  ws.on('message', (data, isBinary) => {
    let msg: unknown = null;
    try {
      if (!isBinary) msg = JSON.parse(String(data));
    } catch {
      // Answered below.
    }
    if (!isMessage(msg)) {
      reply({ id: null, result: { ok: false, error: { kind: 'invalid', message: 'not JSON' } } });
      return;
    }
    const id =
      typeof msg.id === 'number' || (typeof msg.id === 'string' && msg.id.length <= 100)
        ? msg.id
        : null;
    void api.call(msg.op, msg.request).then((result) => reply({ id, result }));
  });
}
