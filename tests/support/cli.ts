import { runCli } from '../../main/cli/program';

export interface Captured {
  code: number;
  out: string;
  err: string;
}

/** Runs `hkd --home <home> …args` in this process and captures its exit code and output. */
export async function hkd(home: string, ...args: string[]): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--home', home, ...args], {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    tty: false,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
