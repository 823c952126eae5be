import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coreTypeFor } from '../../main/engine/kernels/native-blas';
import { tempDir } from '../support/tmp';
import { HKD_BIN } from '../support/hkd-bin';

// Without the native addon (not built, no BLAS, or turned off) training runs on the plain wasm
// path and every run's device says so; with it, the device names the BLAS and its threads.
const hkd = (env: Record<string, string>, ...args: string[]) =>
  spawnSync(process.execPath, [HKD_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });

describe('native BLAS fallback', () => {
  it('trains on wasm with a device that says why there is no native BLAS', () => {
    const home = tempDir();
    const missing = join(home, 'nowhere', 'hkd_blas.node');
    const env = { HKD_NATIVE_ADDON: missing };
    expect(hkd(env, '--home', home, 'setup').status).toBe(0);
    const r = hkd(
      env,
      '--home',
      home,
      'train',
      '--dataset',
      'demo',
      '--model',
      'BPR',
      '--dim',
      '4',
      '--max-epochs',
      '1',
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as { device: string; backend: string };
    expect(run.backend).toBe('wasm');
    expect(run.device).toMatch(
      /^cpu \(wasm simd, 1 thread; no native BLAS: Cannot find module '.*hkd_blas\.node'/,
    );
    const doctor = JSON.parse(hkd(env, 'doctor', '--json').stdout) as {
      nativeBlas: { ok: boolean };
    };
    expect(doctor.nativeBlas.ok).toBe(false);
    const off = JSON.parse(hkd({ HKD_NATIVE: '0' }, 'doctor', '--json').stdout) as {
      nativeBlas: { why: string };
    };
    expect(off.nativeBlas.why).toBe('HKD_NATIVE=0');
  });

  it('names the BLAS, its kernel and its threads when the addon is there', (ctx) => {
    const doctor = JSON.parse(hkd({}, 'doctor', '--json').stdout) as {
      nativeBlas: { ok: boolean; core?: string; why?: string };
      backends: { wasm: { device: string } };
    };
    if (!doctor.nativeBlas.ok && process.env.CI !== 'true')
      return ctx.skip(`no native BLAS here: ${doctor.nativeBlas.why}`);
    expect(doctor.nativeBlas.ok).toBe(true);
    expect(doctor.backends.wasm.device).toMatch(
      new RegExp(
        `^cpu \\(wasm simd \\+ (OpenBLAS ${doctor.nativeBlas.core}|Accelerate) sgemm, \\d+ threads?\\)$`,
      ),
    );
  });

  it("keeps a core type the environment set, and says which one this CPU's flags call for", (ctx) => {
    const chosen = coreTypeFor(readFileSync('/proc/cpuinfo', 'utf8'));
    if (!chosen) return ctx.skip('OpenBLAS picks the kernels of this CPU itself');
    const doctor = (env: Record<string, string>) =>
      JSON.parse(hkd(env, 'doctor', '--json').stdout) as {
        nativeBlas: { ok: boolean; core: string; coreTypeSet: string; coreTypeSuggested: string };
      };
    const mine = doctor({ OPENBLAS_CORETYPE: '' });
    if (!mine.nativeBlas.ok && process.env.CI !== 'true') return ctx.skip('no native BLAS here');
    expect(mine.nativeBlas).toMatchObject({ coreTypeSet: chosen, coreTypeSuggested: null });
    expect(mine.nativeBlas.core.toLowerCase()).toBe(chosen.toLowerCase());
    const given = doctor({ OPENBLAS_CORETYPE: 'Prescott' });
    expect(given.nativeBlas).toMatchObject({
      core: 'Prescott',
      coreTypeSet: null,
      coreTypeSuggested: chosen,
    });
  });
});
