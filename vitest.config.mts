import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'tests/unit/**/*.test.ts',
      'tests/renderer/**/*.test.ts',
      'tests/integration/**/*.test.ts',
      'tests/e2e/**/*.test.ts',
      'tests/electron/**/*.test.ts',
    ],
    environment: 'node',
    // tfjs keeps one global engine per process; separate forks keep backends from colliding.
    pool: 'forks',
    testTimeout: 60_000,
    // tfjs-core's gradient registrations exist only as extensionless ESM; let vite transform it.
    server: { deps: { inline: ['@tensorflow/tfjs-core'] } },
    hookTimeout: 60_000,
    // A poll returns as soon as it holds; waiting longer only matters on a busy machine, where
    // a worker process (import, trainer) takes seconds to start.
    expect: { poll: { timeout: 15_000 } },
  },
});
