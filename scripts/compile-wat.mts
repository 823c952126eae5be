// Compiles main/engine/kernels/*.wat into *.wasm.ts modules (base64), so the app ships no
// compiler. `npm run kernels` regenerates them; a unit test fails if a committed one is stale.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileWat, moduleText } from './wat';

const dir = join(import.meta.dirname, '..', 'main', 'engine', 'kernels');
for (const f of readdirSync(dir).filter((x) => x.endsWith('.wat'))) {
  const bytes = await compileWat(readFileSync(join(dir, f), 'utf8'), f);
  writeFileSync(join(dir, f.replace(/\.wat$/, '.wasm.ts')), moduleText(bytes));
  console.log(`${f}: ${bytes.length} bytes`);
}
