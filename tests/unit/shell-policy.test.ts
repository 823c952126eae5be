import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSP } from '../../main/server';
import { DroppedPaths, isAppPage } from '../../main/shell/policy';

// The desktop shell's trust rules, tested under Node (the Electron runtime is not installed here).

const RENDERER = '/opt/app/out/renderer/index.html';

describe('the window trusts only its own page', () => {
  it.each([
    ['file:///opt/app/out/renderer/index.html', true],
    ['file:///opt/app/out/renderer/index.html#/runs/3', true],
    ['file:///opt/app/out/renderer/index.html?x=1', false],
    ['file:///tmp/evil/renderer/index.html', false],
    ['file:///opt/app/out/renderer/index.html.evil', false],
    ['file:///tmp/x?/renderer/index.html', false],
    ['file://host/opt/app/out/renderer/index.html', false],
    ['https://evil.example/renderer/index.html', false],
    ['http://127.0.0.1/opt/app/out/renderer/index.html', false],
    ['about:blank', false],
    ['', false],
    ['not a url', false],
  ])('%s → %s', (url, ok) => {
    expect(isAppPage(url, RENDERER)).toBe(ok);
  });
});

describe('dropped files', () => {
  it('grants only paths the preload saw in a real drop, once each, shortly after', () => {
    const d = new DroppedPaths(1000);
    d.add('/home/u/users.dat', 0);
    expect(d.take('/etc/shadow', 10)).toBe(false);
    expect(d.take('/home/u/users.dat', 10)).toBe(true);
    expect(d.take('/home/u/users.dat', 20)).toBe(false);
    d.add('/home/u/late.dat', 0);
    expect(d.take('/home/u/late.dat', 5000)).toBe(false);
    d.add(42, 0);
    d.add('', 0);
    expect(d.take(42, 1)).toBe(false);
    expect(d.take('', 1)).toBe(false);
  });
});

describe('content security policy', () => {
  const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(
    readFileSync(join(__dirname, '..', '..', 'renderer', 'index.html'), 'utf8'),
  )![1];

  it.each([
    ['the window (meta tag)', meta],
    ['browser mode (header)', CSP],
  ])('%s allows no inline style or script and no WebSocket source', (_where, policy) => {
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|ws:|wss:|\*/);
    expect(policy).toMatch(/style-src 'self';/);
    expect(policy).toMatch(/script-src 'self';/);
    expect(policy).toMatch(/connect-src 'self';/);
  });

  it('says the same in both places, but for what only a header can say', () => {
    expect(CSP.replace(" frame-ancestors 'none';", '')).toBe(meta);
  });
});
