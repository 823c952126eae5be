import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const pkg = JSON.parse(readFileSync(resolve(__dirname, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};
const deps = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies)];

// tfjs-core ships its gradient registrations only as extensionless ESM, which Node cannot load,
// so that one entry is bundled (as @tensorflow/tfjs does); its registries are process globals,
// shared with the external tfjs-core. Every other dependency stays external.
const BUNDLED = '@tensorflow/tfjs-core/dist/register_all_gradients';
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const external = [
  new RegExp(`^(?!${escape(BUNDLED)}$)(${deps.map(escape).join('|')})(/.*)?$`),
  /^node:/,
  'electron',
  ...builtinModules,
];

// One main build holds every Node-side entry: the Electron shell, the headless CLI and the
// benchmark share the same core modules, so they are bundled together and split into chunks.
export default defineConfig({
  main: {
    build: {
      externalizeDeps: false,
      rollupOptions: { external },
      outDir: 'out/main',
      lib: {
        entry: {
          index: resolve(__dirname, 'main/entries/app.ts'),
          cli: resolve(__dirname, 'main/entries/cli.ts'),
          bench: resolve(__dirname, 'bench/bench.ts'),
          trainer: resolve(__dirname, 'main/entries/trainer.ts'),
          importer: resolve(__dirname, 'main/entries/importer.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      lib: { entry: resolve(__dirname, 'preload/index.ts') },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    plugins: [svelte({ configFile: resolve(__dirname, 'renderer/svelte.config.mjs') })],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: resolve(__dirname, 'renderer/index.html') },
    },
  },
});
