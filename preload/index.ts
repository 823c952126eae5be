import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { ApiEvent, ApiResult, Op } from '../main/contract/operations';
import { IPC, type ElectronBridge } from '../main/contract/ipc';

// The typed workbench client and nothing else: no ipcRenderer, no Node, no paths typed by the
// page (files come from the native dialog or a real dropped File).
const client: ElectronBridge = {
  shell: 'electron',
  call: (op: Op, request: unknown) =>
    ipcRenderer.invoke(IPC.call, op, request) as Promise<ApiResult<Op>>,
  subscribe: (f: (e: ApiEvent) => void) => {
    const on = (_: unknown, e: ApiEvent) => f(e);
    ipcRenderer.on(IPC.event, on);
    return () => {
      ipcRenderer.off(IPC.event, on);
    };
  },
  onMenu: (f: (what: string) => void) => {
    const on = (_: unknown, what: string) => f(what);
    ipcRenderer.on(IPC.menu, on);
    return () => {
      ipcRenderer.off(IPC.menu, on);
    };
  },
  pickFile: () => ipcRenderer.invoke(IPC.pickFile),
  grantDroppedFile: (file: File) =>
    ipcRenderer.invoke(IPC.grantDropped, webUtils.getPathForFile(file)),
  saveFile: (name: string, content: string) => ipcRenderer.invoke(IPC.saveFile, name, content),
  revealArtifact: (runId: number, kind: string) =>
    ipcRenderer.invoke(IPC.revealArtifact, runId, kind),
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
      if (path) ipcRenderer.send(IPC.dropped, path);
    }
  },
  true,
);

contextBridge.exposeInMainWorld('hkd', client);
