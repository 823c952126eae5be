#!/usr/bin/env node
'use strict';
// `npm start`: prepare the data directory (demo dataset included), then open the desktop
// workbench. Offline installs have no Electron runtime: say so in one line and serve the same
// workbench to a browser (the URL is printed).
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const setup = spawnSync(process.execPath, [join(__dirname, 'hkd.cjs'), 'setup'], {
  stdio: 'inherit',
});
if (setup.status !== 0) process.exit(setup.status ?? 1);

// Electron ≥ 42 fetches its runtime on first use; try that quietly, then check.
const electronDir = join(root, 'node_modules', 'electron');
if (!existsSync(join(electronDir, 'path.txt')) && existsSync(join(electronDir, 'install.js'))) {
  spawnSync(process.execPath, [join(electronDir, 'install.js')], {
    stdio: 'ignore',
    timeout: 300_000,
  });
}
if (!existsSync(join(electronDir, 'path.txt'))) {
  console.log(
    'The Electron runtime is not installed here (offline install): starting browser mode instead.',
  );
  const serve = spawnSync(process.execPath, [join(__dirname, 'hkd.cjs'), 'serve'], {
    stdio: 'inherit',
  });
  process.exit(serve.status ?? 0);
}
const electron = require('electron');
const app = spawnSync(electron, [root], { stdio: 'inherit' });
process.exit(app.status ?? 0);
