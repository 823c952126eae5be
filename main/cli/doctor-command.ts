import type { Command } from 'commander';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { initBackend } from '../engine/backend';
import { setUpWebGpu, webGpuDevice } from '../engine/webgpu';
import { nativeBlas } from '../engine/kernels/native-blas';
import { APP_VERSION } from '../version';
import type { CliContext } from './context';

const nodeRequire = createRequire(__filename);

/** Whether an optional package can be loaded here, or why not. */
function loadable(name: string): { ok: boolean; why?: string } {
  try {
    nodeRequire.resolve(name);
    return { ok: true };
  } catch {
    return { ok: false, why: 'not installed (its install downloads libtensorflow)' };
  }
}

/** `hkd doctor`: which backends and native kernels this machine has, and why not. */
export function registerDoctorCommand(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description('show which compute backends and native kernels are available here, and why not')
    .option('--json', 'print one JSON document')
    .action(async (o: { json?: boolean }) => {
      const wasm = await initBackend('wasm').then(
        (info) => ({ ok: true, device: info.device }),
        (e: Error) => ({ ok: false, why: e.message }),
      );
      const webgpu = await setUpWebGpu().then(
        (f) =>
          f.software
            ? { ok: true, device: webGpuDevice(f), why: 'a software adapter: auto skips it' }
            : { ok: true, device: webGpuDevice(f) },
        (e: Error) => ({ ok: false, why: e.message }),
      );
      const blas = nativeBlas();
      const report = {
        version: APP_VERSION,
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        cpu: { model: cpus()[0]?.model ?? 'unknown', cores: availableParallelism() },
        backends: {
          'tensorflow-gpu': loadable('@tensorflow/tfjs-node-gpu'),
          webgpu,
          tensorflow: loadable('@tensorflow/tfjs-node'),
          wasm,
          cpu: { ok: true },
        },
        nativeBlas: blas.ok
          ? {
              ok: true,
              core: blas.core,
              threads: blas.threads,
              config: blas.blas.info().config,
              coreTypeSet: blas.coreTypeSet ?? null,
              coreTypeSuggested: blas.coreTypeSuggested ?? null,
            }
          : { ok: false, why: blas.reason },
      };
      const line = (name: string, r: { ok: boolean; why?: string; device?: string }) =>
        `${r.ok ? 'yes' : 'no '}  ${name}${r.device ? `: ${r.device}` : ''}${r.why ? ` (${r.why})` : ''}`;
      ctx.emit(!!o.json, report, () =>
        [
          `HyperKDMA Workbench ${report.version} on Node ${report.node}, ${report.platform}`,
          `cpu: ${report.cpu.model}, ${report.cpu.cores} cores`,
          'backends (auto picks the first available):',
          ...Object.entries(report.backends).map(([k, v]) => `  ${line(k, v)}`),
          blas.ok
            ? `native BLAS: ${report.nativeBlas.config}${blas.coreTypeSet ? ` (OPENBLAS_CORETYPE=${blas.coreTypeSet} set for this CPU)` : ''}`
            : `native BLAS: no (${blas.reason}); matrix products run on wasm`,
          ...(blas.ok && blas.coreTypeSuggested
            ? [
                `  OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE} was set before the workbench started; ` +
                  `this CPU's flags call for ${blas.coreTypeSuggested} kernels: set OPENBLAS_CORETYPE=${blas.coreTypeSuggested} ` +
                  '(or leave it unset) to use them',
              ]
            : []),
        ].join('\n'),
      );
    });
}
