import type {
  ApiClient,
  ApiEvent,
  ApiResult,
  ElectronBridge,
  Op,
  PickedFile,
  Request,
} from '../../../main/contract';

export type { PickedFile } from '../../../main/contract';

/** The API plus what differs between the desktop window and a browser tab. */
export interface Client extends ApiClient {
  shell: 'electron' | 'browser';
  pickFile(): Promise<PickedFile | null>;
  dropFile(file: File): Promise<PickedFile | null>;
  saveFile(name: string, content: string): Promise<void>;
  /** A run's artifact: downloaded (browser) or shown in the file manager (desktop). */
  openArtifact(runId: number, kind: string): void;
  onMenu(f: (what: string) => void): () => void;
  /** Called after a reconnect, when events may have been missed. */
  onReconnect(f: () => void): () => void;
  /** Called when the connection to the workbench drops (browser mode: the server stopped). */
  onDisconnect(f: () => void): () => void;
}

declare global {
  interface Window {
    hkd?: ElectronBridge;
  }
}

function electronClient(b: ElectronBridge): Client {
  return {
    shell: 'electron',
    call: <K extends Op>(op: K, request: Request<K>) =>
      b.call(op, request) as Promise<ApiResult<K>>,
    subscribe: (f) => b.subscribe(f),
    pickFile: () => b.pickFile(),
    dropFile: (file) => b.grantDroppedFile(file),
    saveFile: async (name, content) => {
      await b.saveFile(name, content);
    },
    onMenu: (f) => b.onMenu(f),
    openArtifact: (runId, kind) => void b.revealArtifact(runId, kind),
    onReconnect: () => () => {},
    onDisconnect: () => () => {},
  };
}

async function upload(file: File): Promise<PickedFile | null> {
  const r = await fetch(`/upload?name=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    body: file,
  });
  if (!r.ok) throw new Error(`upload failed: ${await r.text()}`);
  return (await r.json()) as PickedFile;
}

/** Browser mode: the same calls over one WebSocket (the page's cookie carries the token). */
export function browserClient(): Client {
  // The server has set its cookie by now: the token leaves the address bar (and history).
  const address = new URL(location.href);
  if (address.searchParams.has('token')) {
    address.searchParams.delete('token');
    history.replaceState(history.state, '', address.href);
  }
  const listeners = new Set<(e: ApiEvent) => void>();
  const reconnects = new Set<() => void>();
  const disconnects = new Set<() => void>();
  const waiting = new Map<number, (r: ApiResult<Op>) => void>();
  const queue: string[] = [];
  let next = 1;
  let ws: WebSocket | undefined;
  let delay = 250;
  let everOpen = false;
  const open = () => {
    const s = new WebSocket(
      `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api`,
    );
    s.onopen = () => {
      delay = 250;
      ws = s;
      for (const m of queue.splice(0)) s.send(m);
      if (everOpen) for (const f of reconnects) f();
      everOpen = true;
    };
    s.onmessage = (m) => {
      const msg = JSON.parse(String(m.data)) as {
        id?: number;
        result?: ApiResult<Op>;
        event?: ApiEvent;
      };
      if (msg.event) for (const f of listeners) f(msg.event);
      else if (typeof msg.id === 'number') {
        waiting.get(msg.id)?.(msg.result!);
        waiting.delete(msg.id);
      }
    };
    s.onclose = (e) => {
      if (ws) for (const f of disconnects) f();
      ws = undefined;
      const message =
        e.code === 1009
          ? 'the request was larger than the workbench accepts (1 MiB); the connection was reset'
          : 'connection to the workbench lost';
      for (const [id, f] of waiting) {
        f({ ok: false, error: { kind: 'internal', message } });
        waiting.delete(id);
      }
      setTimeout(open, delay);
      delay = Math.min(5000, delay * 2);
    };
  };
  open();
  return {
    shell: 'browser',
    call: <K extends Op>(op: K, request: Request<K>) =>
      new Promise<ApiResult<K>>((resolve) => {
        const id = next++;
        waiting.set(id, resolve as (r: ApiResult<Op>) => void);
        const text = JSON.stringify({ id, op, request });
        if (ws) ws.send(text);
        else queue.push(text);
      }),
    subscribe: (f) => {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    pickFile: () =>
      new Promise((resolve, reject) => {
        const input = document.createElement('input');
        input.type = 'file';
        input.dataset.testid = 'file-input';
        input.style.display = 'none';
        input.onchange = () => {
          const f = input.files?.[0];
          input.remove();
          if (f) upload(f).then(resolve, reject);
          else resolve(null);
        };
        document.body.append(input);
        input.click();
      }),
    dropFile: upload,
    saveFile: async (name, content) => {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([content], { type: 'text/plain' }));
      a.download = name;
      a.click();
      URL.revokeObjectURL(a.href);
    },
    onMenu: () => () => {},
    openArtifact: (runId, kind) => {
      const a = document.createElement('a');
      a.href = `/artifacts/${runId}/${kind}`;
      a.download = '';
      a.click();
    },
    onReconnect: (f) => {
      reconnects.add(f);
      return () => reconnects.delete(f);
    },
    onDisconnect: (f) => {
      disconnects.add(f);
      return () => disconnects.delete(f);
    },
  };
}

export const connect = (): Client => (window.hkd ? electronClient(window.hkd) : browserClient());
