// Runs @doyensec/electronegativity over the app's sources (shell, preload, renderer) and fails on
// any HIGH or MEDIUM finding that is not explained below. Offline, its update checks fail
// harmlessly.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = createRequire(import.meta.url)('@doyensec/electronegativity/dist/runner.js');

/** Findings reviewed and accepted, with the reason. */
const EXPLAINED = {
  PRELOAD_JS_CHECK:
    'the preload exposes only the typed API client, dialogs and event subscription (preload/index.ts); no ipcRenderer, no Node',
};

const app = mkdtempSync(join(tmpdir(), 'hkd-security-'));
try {
  for (const d of ['main', 'preload', 'renderer', 'package.json'])
    cpSync(join(root, d), join(app, d), { recursive: true });
  const log = console.log;
  console.log = () => {}; // its progress chatter
  let result;
  try {
    result = await run({ input: app, electronVersionOverride: '42.0.0', isRelative: true }, false);
  } finally {
    console.log = log;
  }
  let failed = 0;
  for (const i of result.issues) {
    const severity = i.severity?.name ?? String(i.severity);
    const serious = severity === 'HIGH' || severity === 'MEDIUM';
    const why = EXPLAINED[i.id];
    const where = `${i.file}:${i.location?.line ?? 0}`;
    if (serious && !why) failed++;
    console.log(
      `${serious && !why ? 'FAIL' : 'ok  '} ${severity.padEnd(13)} ${i.id} ${where}${why ? ` — ${why}` : ''}`,
    );
  }
  console.log(
    `electronegativity: ${result.issues.length} findings, ${failed} unexplained HIGH/MEDIUM`,
  );
  process.exitCode = failed > 0 ? 1 : 0;
} finally {
  rmSync(app, { recursive: true, force: true });
}
