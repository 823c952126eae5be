import { EXIT, runCli } from '../cli/program';

// Entry of the `hkd` command (see bin/hkd.cjs).
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
