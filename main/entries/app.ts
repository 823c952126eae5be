import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  powerSaveBlocker,
  session,
  shell,
  type IpcMainEvent,
  type IpcMainInvokeEvent,
  type WebContents,
  type MenuItemConstructorOptions,
} from 'electron';
import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { IPC } from '../contract/ipc';
import { DroppedPaths, isAppPage } from '../shell/policy';
import { utilityWorker } from '../shell/utility-worker';
import { resolveHome } from '../paths';
import { artifactPath } from '../store/artifacts';
import type { ToImporter, FromImporter } from '../runner/import-protocol';
import type { FromTrainer, ToTrainer } from '../runner/trainer-protocol';
import { openWorkbench, workerScript, type Workbench } from '../workbench';

// The Electron shell, and the only module that imports Electron: one secure window over the
// renderer, the typed API bound to IPC (validated in Api.call), native dialogs and menus, and a
// power-save blocker while runs train. Everything else is the Electron-free core.

const RENDERER = join(__dirname, '../renderer/index.html');
let win: BrowserWindow | undefined;
let wb: Workbench | undefined;

const dropped = new DroppedPaths();

/** Only our own page, loaded from our own file in the window's main frame, may call the API. */
function trusted(e: IpcMainInvokeEvent | IpcMainEvent): boolean {
  const frame = e.senderFrame;
  return (
    e.sender === win?.webContents &&
    frame !== null &&
    frame === e.sender.mainFrame &&
    isAppPage(frame.url, RENDERER)
  );
}

function handle(channel: string, f: (e: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void {
  ipcMain.handle(channel, (e, ...args) => {
    if (!trusted(e)) throw new Error('refused: not the workbench window');
    return f(e, ...args);
  });
}

function bindApi(w: Workbench): void {
  handle(IPC.call, (_e, op, request) => w.api.call(op, request));
  handle(IPC.pickFile, async () => {
    const r = await dialog.showOpenDialog(win!, {
      title: 'Import a dataset',
      properties: ['openFile'],
      filters: [
        { name: 'Interaction files', extensions: ['dat', 'csv', 'tsv', 'txt'] },
        { name: 'All files', extensions: ['*'] },
      ],
    });
    if (r.canceled || r.filePaths.length === 0) return null;
    return picked(r.filePaths[0]);
  });
  const picked = (path: string) => ({
    file: w.grants.grant(path),
    name: basename(path),
    folder: basename(dirname(path)),
  });
  // The preload reports the paths of files really dropped on the window (a trusted drop event);
  // only those can be granted, once each, whatever path the page asks for.
  ipcMain.on(IPC.dropped, (e, path) => {
    if (trusted(e)) dropped.add(path);
  });
  handle(IPC.grantDropped, (_e, path) => {
    if (!dropped.take(path)) return null;
    return picked(path);
  });
  handle(IPC.saveFile, async (_e, suggested, content) => {
    if (typeof suggested !== 'string' || typeof content !== 'string') return false;
    const r = await dialog.showSaveDialog(win!, { defaultPath: basename(suggested) });
    if (r.canceled || !r.filePath) return false;
    writeFileSync(r.filePath, content);
    return true;
  });
  handle(IPC.revealArtifact, (_e, runId, kind) => {
    if (typeof runId !== 'number' || typeof kind !== 'string') return false;
    const path = artifactPath(w.store, runId, kind);
    if (path) shell.showItemInFolder(path);
    return path !== undefined;
  });
  w.api.subscribe((e) => win?.webContents.send(IPC.event, e));
  let blocker: number | undefined;
  w.runner.subscribe(() => {
    const busy = w.runner.activeRuns.length > 0;
    if (busy && blocker === undefined) blocker = powerSaveBlocker.start('prevent-app-suspension');
    if (!busy && blocker !== undefined) {
      powerSaveBlocker.stop(blocker);
      blocker = undefined;
    }
  });
}

function menu(): void {
  const send = (what: string) => () => win?.webContents.send(IPC.menu, what);
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Import Dataset…', accelerator: 'CmdOrCtrl+O', click: send('import') },
        { label: 'New Run…', accelerator: 'CmdOrCtrl+N', click: send('new-run') },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { label: 'Datasets', accelerator: 'CmdOrCtrl+1', click: send('datasets') },
        { label: 'Runs', accelerator: 'CmdOrCtrl+2', click: send('runs') },
        { label: 'Compare', accelerator: 'CmdOrCtrl+3', click: send('compare') },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' } as MenuItemConstructorOptions]),
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function createWindow(): void {
  win = new BrowserWindow({
    width: 1280,
    height: 820,
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      // A middle click would open links in a new window outside the navigation handlers.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => (win = undefined));
  void win.loadFile(RENDERER);
}

/** Every web contents the app ever creates: no navigation, no new windows, no webviews. */
function harden(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-frame-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

app.enableSandbox();
app.on('web-contents-created', (_e, contents) => harden(contents));
void app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, done) => done(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  wb = openWorkbench({
    home: resolveHome(),
    launchTrainer: utilityWorker<ToTrainer, FromTrainer>(workerScript('trainer'), 'HKD trainer'),
    launchImporter: utilityWorker<ToImporter, FromImporter>(
      workerScript('importer'),
      'HKD importer',
    ),
  });
  bindApi(wb);
  menu();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('will-quit', () => wb?.close());
