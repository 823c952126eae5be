import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { HKD_BIN } from './hkd-bin';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's Chromium (apt), which `.ci/run` installs; Playwright's own download is unreachable. */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (see .ci/run)`);
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/** `hkd serve` on a home of its own; resolves with its URL once it listens. */
export function serveWorkbench(home: string): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [HKD_BIN, '--home', home, 'serve'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += String(d);
      const m = /(http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], proc });
    });
    proc.stderr!.on('data', (d: Buffer) => (out += String(d)));
    proc.on('exit', (code) => reject(new Error(`hkd serve exited with ${code}: ${out}`)));
  });
}
