import type { Command } from 'commander';
import { resolveHome } from '../paths';
import { openWorkbench, serveWorkbench } from '../workbench';
import { intArg, type CliContext } from './context';

/** `hkd serve`: the workbench in a browser, for headless machines. */
export function registerServeCommand(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('serve the workbench to a browser (loopback only unless --host is given)')
    .option('--port <n>', 'port (default: any free one)', intArg('--port', 0), 0)
    .option('--host <address>', 'listen on this address instead of 127.0.0.1 (exposes the app)')
    .action(async (o: { port: number; host?: string }) => {
      const { io } = ctx;
      if (o.host && o.host !== '127.0.0.1' && o.host !== 'localhost')
        io.err(
          `warning: listening on ${o.host}: anyone who can reach it and has the token controls runs and reads your files`,
        );
      const home = resolveHome(program.opts<{ home?: string }>().home);
      const wb = openWorkbench({ home });
      const server = await serveWorkbench(wb, { host: o.host, port: o.port });
      io.out(`HyperKDMA Workbench: ${server.url}`);
      await new Promise<void>((done) => {
        const stop = io.onInterrupt?.(() => {
          stop?.();
          done();
        });
      });
      await server.close();
      wb.close();
      io.err('stopped; runs that were training are interrupted and can be resumed');
    });
}
