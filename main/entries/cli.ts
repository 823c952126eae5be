import { EXIT, runCli } from '../cli/program';

// Entry of the `hkd` command (see bin/hkd.cjs).

// A reader that stops early (`hkd gates 2 | head`) is not an error: leave quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
void runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(s.startsWith('\r') ? s : `${s}\n`),
  tty: process.stderr.isTTY === true,
  onInterrupt: (handler) => {
    process.on('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
  abort: () => process.exit(EXIT.cancelled),
}).then((code) => {
  process.exitCode = code;
});
