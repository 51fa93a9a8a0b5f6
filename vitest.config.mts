import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import the libraries' TypeScript sources directly (no build needed for
// unit tests); end-to-end tests under test/ run the built apps as processes.
export default defineConfig({
  resolve: {
    alias: {
      '@vaecf/errors': fileURLToPath(new URL('libs/errors/src/index.ts', import.meta.url)),
      '@vaecf/engine': fileURLToPath(new URL('libs/engine/src/index.ts', import.meta.url)),
      '@vaecf/cf': fileURLToPath(new URL('libs/cf/src/index.ts', import.meta.url)),
      '@vaecf/sweep': fileURLToPath(new URL('libs/sweep/src/index.ts', import.meta.url)),
      '@vaecf/datasets': fileURLToPath(new URL('libs/datasets/src/index.ts', import.meta.url)),
      '@vaecf/artifacts': fileURLToPath(new URL('libs/artifacts/src/index.ts', import.meta.url)),
      '@vaecf/queue': fileURLToPath(new URL('libs/queue/src/index.ts', import.meta.url)),
      '@vaecf/telemetry': fileURLToPath(new URL('libs/telemetry/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['libs/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
