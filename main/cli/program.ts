import { Command, CommanderError } from 'commander';
import { join } from 'node:path';
import {
  InputError,
  isUserError,
  NotFoundError,
  printable,
  StorageError,
  storageError,
} from '../errors';
import { resolveHome } from '../paths';
import { APP_VERSION } from '../version';
import type { Api } from '../api';
import type { Responses } from '../contract';
import { findRun } from '../ops/run-ref';
import { Store } from '../store/db';
import { storeApi } from '../workbench';
import { reapInterrupted } from '../store/run-processes';
import { registerCompareCommand } from './compare-command';
import { ApiCallError, progressRunner, type CliContext } from './context';
import { registerDatasetCommands } from './dataset-commands';
import { registerQueueCommands } from './queue-commands';
import { registerRunCommands } from './run-commands';
import { registerTrainCommands } from './train-commands';
import { registerDoctorCommand } from './doctor-command';
import { registerServeCommand } from './serve-command';
import { registerSweepCommands } from './sweep-commands';
import { registerAnalyzeCommands } from './analyze-commands';

/** Exit codes; a run cancelled with Ctrl-C ends like any interrupted command (128 + SIGINT). */
export const EXIT = { ok: 0, runFailed: 1, usage: 2, cancelled: 130 } as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is an interactive terminal (live progress line). */
  tty: boolean;
  /** Subscribes to Ctrl-C while a run trains; returns the unsubscribe function. */
  onInterrupt?(handler: () => void): () => void;
  /** Leaves at once (a second Ctrl-C); the run is left interrupted and resumable. */
  abort?(): never;
}

/**
 * Builds the `hkd` program. Output goes through `io` so tests can run it in-process; the caller
 * maps the returned promise's exit code to the process.
 */
export function buildProgram(io: Io): {
  program: Command;
  run: (argv: string[]) => Promise<number>;
} {
  let store: Store | undefined;
  let api: Api | undefined;
  let cancelled = false;
  // Whether Commander printed the error it throws: one thrown by a command's own code was not.
  let commanderSaidIt = false;
  const program = new Command('hkd');
  const ctx: CliContext = {
    io,
    openStore: () => {
      if (!store) {
        store = new Store(resolveHome(program.opts<{ home?: string }>().home));
        // A run whose process died (killed, crashed, power loss) is interrupted, not running.
        reapInterrupted(store);
      }
      return store;
    },
    call: async (op, request) => {
      api ??= storeApi(ctx.openStore());
      const r = await api.call(op, request);
      if (!r.ok) throw new ApiCallError(r.error);
      return r.value as Responses[typeof op];
    },
    runId: (text) => (/^\d+$/.test(text) ? Number(text) : findRun(ctx.openStore(), text).id),
    emit: (json, value, text) => io.out(json ? JSON.stringify(value) : text()),
    withProgress: progressRunner(io, () => (cancelled = true)),
  };

  program
    .description('HyperKDMA Workbench: datasets, training and distillation runs from the terminal')
    .version(APP_VERSION, '-V, --version', 'print the version')
    .option('--home <dir>', 'data directory (default: $HKD_HOME or the desktop app folder)')
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      writeErr: (s) => io.err(s.trimEnd()),
      outputError: (s, write) => {
        commanderSaidIt = true;
        write(s);
      },
    })
    .exitOverride();
  registerDatasetCommands(program, ctx);
  registerTrainCommands(program, ctx);
  registerSweepCommands(program, ctx);
  registerAnalyzeCommands(program, ctx);
  registerRunCommands(program, ctx);
  registerCompareCommand(program, ctx);
  registerQueueCommands(program, ctx);
  registerServeCommand(program, ctx);
  registerDoctorCommand(program, ctx);

  const run = async (argv: string[]): Promise<number> => {
    commanderSaidIt = false;
    try {
      await program.parseAsync(argv, { from: 'user' });
      return cancelled ? EXIT.cancelled : EXIT.ok;
    } catch (e) {
      const home = resolveHome(program.opts<{ home?: string }>().home);
      return exitFor(
        storageError(e, join(home, 'hkd.sqlite')),
        io,
        argv.includes('--json'),
        commanderSaidIt,
      );
    } finally {
      store?.close();
      store = undefined;
      api = undefined;
    }
  };
  return { program, run };
}

/** Error kinds of `--json` output, as the API names them. */
function errorKind(e: unknown): string {
  if (e instanceof CommanderError) return 'usage';
  if (e instanceof ApiCallError) return e.error.kind;
  if (e instanceof NotFoundError) return 'not-found';
  if (e instanceof StorageError) return 'storage';
  if (e instanceof InputError) return 'invalid';
  return 'internal';
}

/**
 * Maps an error to the exit code and says it in one line on stderr (and, with `--json`, as one
 * JSON document on stdout, so a script reading it gets JSON whatever happened).
 */
function exitFor(e: unknown, io: Io, json: boolean, printed: boolean): number {
  let code: number;
  let message: string;
  if (e instanceof CommanderError) {
    if (
      e.code === 'commander.helpDisplayed' ||
      e.code === 'commander.version' ||
      e.exitCode === 0
    ) {
      return EXIT.ok;
    }
    code = EXIT.usage;
    message = e.message.replace(/^error: /, '');
    if (!printed) io.err(`error: ${message}`);
  } else {
    const refused = e instanceof ApiCallError && e.error.kind !== 'internal';
    code = isUserError(e) || refused ? EXIT.usage : EXIT.runFailed;
    message = printable(e instanceof Error ? e.message : String(e));
    io.err(`error: ${message}`);
  }
  if (json) io.out(JSON.stringify({ error: { kind: errorKind(e), message, exitCode: code } }));
  return code;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  return buildProgram(io).run(argv);
}
