import { contextBridge } from 'electron';

// The typed workbench client is exposed here once the API contract exists; until then the page
// only learns which shell it runs in.
contextBridge.exposeInMainWorld('hkd', { shell: 'electron' as const });
