import { utilityProcess } from 'electron';
import type { LaunchWorker } from '../runner/worker-process';

/**
 * Workers as Electron utility processes (the app's equivalent of child_process.fork): they run
 * the same entries (out/main/trainer.js, importer.js) and talk through `process.parentPort`.
 */
export function utilityWorker<In, Out>(script: string, serviceName: string): LaunchWorker<In, Out> {
  return (args) => {
    const child = utilityProcess.fork(script, args, { stdio: 'pipe', serviceName });
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    let exited = false;
    return {
      get pid() {
        return child.pid;
      },
      send: (m) => {
        if (!exited) child.postMessage(m);
      },
      kill: () => {
        if (!exited) child.kill();
      },
      onMessage: (f) => child.on('message', (m) => f(m as Out)),
      onOutput: (f) => {
        child.stdout?.on('data', f);
        child.stderr?.on('data', f);
      },
      onExit: (f) =>
        child.on('exit', (code) => {
          exited = true;
          f(code, null);
        }),
    };
  };
}
