// Builds the optional native BLAS addon (native/) with node-gyp. Without a compiler or a BLAS
// (Debian: libopenblas-dev) it says so in one line and the engine keeps its wasm path; it never
// fails the install. `--strict` makes a failed build an error (CI, where the addon must exist).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'native');
const strict = process.argv.includes('--strict');

function nodeGyp() {
  // npm tells its scripts where its own node-gyp is.
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp))
    return process.env.npm_config_node_gyp;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const npmDir = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
    const bundled = join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    return existsSync(bundled) ? bundled : undefined;
  }
}

const gyp = nodeGyp();
let why;
if (process.env.HKD_NATIVE === '0') why = 'HKD_NATIVE=0';
else if (!gyp) why = 'node-gyp not found';
else {
  // Offline, node-gyp cannot download Node's headers: use the ones installed with Node.
  const prefix = join(dirname(process.execPath), '..');
  const nodedir =
    process.env.npm_config_nodedir ??
    (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
  const r = spawnSync(
    process.execPath,
    [gyp, 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])],
    { cwd: dir, encoding: 'utf8' },
  );
  if (r.status !== 0) {
    const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /error|not found/i.test(l));
    why = lines.slice(0, 3).join(' | ') || `node-gyp exited with ${r.status}`;
    rmSync(join(dir, 'build'), { recursive: true, force: true });
  }
}
if (why) {
  console.log(`native BLAS addon not built (${why}); training uses the wasm path`);
  if (strict) process.exitCode = 1;
} else console.log('native BLAS addon built: native/build/Release/hkd_blas.node');
