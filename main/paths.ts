import { homedir } from 'node:os';
import { join } from 'node:path';

export const PRODUCT_NAME = 'HyperKDMA Workbench';

/**
 * The data directory every face shares: `--home`, else `HKD_HOME`, else the per-OS place Electron
 * uses for `userData` (so the desktop app and the CLI see the same experiments).
 */
export function resolveHome(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit;
  if (env.HKD_HOME) return env.HKD_HOME;
  return join(appDataDir(env), PRODUCT_NAME);
}

function appDataDir(env: NodeJS.ProcessEnv): string {
  switch (process.platform) {
    case 'win32':
      return env.APPDATA ?? join(homedir(), 'AppData', 'Roaming');
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support');
    default:
      return env.XDG_CONFIG_HOME ?? join(homedir(), '.config');
  }
}
