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

contextBridge.exposeInMainWorld('hkd', client);
export type ElectronClient = typeof client;
