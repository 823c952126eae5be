import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { ApiEvent, Op, Request } from '../main/contract';

// The typed workbench client and nothing else: no ipcRenderer, no Node, no paths typed by the
// page (files come from the native dialog or a real dropped File).
const client = {
  shell: 'electron' as const,
  call: (op: Op, request: Request<Op>) => ipcRenderer.invoke('hkd:call', op, request),
  subscribe: (f: (e: ApiEvent) => void) => {
    const on = (_: unknown, e: ApiEvent) => f(e);
    ipcRenderer.on('hkd:event', on);
    return () => {
      ipcRenderer.off('hkd:event', on);
    };
  },
  onMenu: (f: (what: string) => void) => {
    const on = (_: unknown, what: string) => f(what);
    ipcRenderer.on('hkd:menu', on);
    return () => {
      ipcRenderer.off('hkd:menu', on);
    };
  },
  pickFile: () => ipcRenderer.invoke('hkd:pick-file'),
  grantDroppedFile: (file: File) =>
    ipcRenderer.invoke('hkd:grant-dropped', webUtils.getPathForFile(file)),
  saveFile: (name: string, content: string) => ipcRenderer.invoke('hkd:save-file', name, content),
};

// A real drop (not a synthetic event the page dispatches) tells the shell which paths the user
// handed over; the grant above is honoured only for those. (The preload is built with Node's
// types, so the little of the DOM it uses is declared here.)
interface DropEvent {
  isTrusted: boolean;
  dataTransfer: { files: ArrayLike<File> } | null;
}
const page = globalThis as unknown as {
  addEventListener(type: 'drop', f: (e: DropEvent) => void, capture: boolean): void;
};
page.addEventListener(
  'drop',
  (e) => {
    if (!e.isTrusted) return;
    for (const f of Array.from(e.dataTransfer?.files ?? [])) {
      const path = webUtils.getPathForFile(f);
      if (path) ipcRenderer.send('hkd:dropped', path);
    }
  },
  true,
);

contextBridge.exposeInMainWorld('hkd', client);
export type ElectronClient = typeof client;
