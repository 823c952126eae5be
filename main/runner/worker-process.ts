import { fork } from 'node:child_process';

/** A worker process (trainer or importer) as its owner sees it, however it was started. */
export interface WorkerProcess<In, Out> {
  readonly pid: number | undefined;
  send(m: In): void;
  /** Ends it at once (SIGKILL). */
  kill(): void;
  onMessage(f: (m: Out) => void): void;
  /** Its stdout and stderr, kept to explain a failure. */
  onOutput(f: (text: string) => void): void;
  onExit(f: (code: number | null, signal: string | null) => void): void;
}

export type LaunchWorker<In, Out> = (args: string[]) => WorkerProcess<In, Out>;

/** Starts workers with `child_process.fork` (the CLI, browser mode, tests). */
export function forkWorker<In, Out>(
  script: string,
  execArgv: string[] = [],
): LaunchWorker<In, Out> {
  return (args) => {
    const child = fork(script, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv });
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    return {
      pid: child.pid,
      send: (m) => {
        if (child.connected) child.send(m as object);
      },
      kill: () => child.kill('SIGKILL'),
      onMessage: (f) => child.on('message', (m) => f(m as Out)),
      onOutput: (f) => {
        child.stdout?.on('data', f);
        child.stderr?.on('data', f);
      },
      onExit: (f) => child.on('exit', f),
    };
  };
}

interface ParentPort {
  postMessage(m: unknown): void;
  on(event: 'message', f: (e: { data: unknown }) => void): void;
}

/**
 * The worker's side of the channel: Electron's utilityProcess gives it `process.parentPort`,
 * child_process.fork gives it `process.send`.
 */
export function workerChannel<In, Out>(): {
  send(m: Out): void;
  onMessage(f: (m: In) => void): void;
  /** Exits when the owner is gone: nothing this process does could be recorded any more. */
  exitWithOwner(code: number): void;
  /** Lets the process end once its work is done. */
  close(): void;
} {
  const port = (process as { parentPort?: ParentPort }).parentPort;
  const onDisconnect = (code: number) => () => process.exit(code);
  let disconnectHandler: (() => void) | undefined;
  return {
    send: (m) => (port ? port.postMessage(m) : process.send?.(m)),
    onMessage: (f) =>
      port ? port.on('message', (e) => f(e.data as In)) : process.on('message', (m) => f(m as In)),
    exitWithOwner: (code) => {
      if (port) return;
      disconnectHandler = onDisconnect(code);
      process.on('disconnect', disconnectHandler);
    },
    close: () => {
      if (disconnectHandler) process.off('disconnect', disconnectHandler);
      if (process.send && process.connected) process.disconnect();
    },
  };
}
