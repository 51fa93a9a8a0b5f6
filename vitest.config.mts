import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// A software Vulkan driver that ONNX Runtime's WebGPU provider runs on (test/support/lavapipe.sh,
// run by pretest): with it the engine and model contract suites also cover onnxruntime-webgpu
// (libs/engine/test/available.ts). Set here so that every test process inherits it.
const lavapipe = fileURLToPath(new URL('.vaecf/lavapipe/icd.json', import.meta.url));
if (process.env.VK_ICD_FILENAMES === undefined && existsSync(lavapipe)) {
  process.env.VK_ICD_FILENAMES = lavapipe;
  process.env.VAECF_TEST_WEBGPU ??= '1';
}

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
      '@vaecf/store': fileURLToPath(new URL('libs/store/src/index.ts', import.meta.url)),
      '@vaecf/orchestration': fileURLToPath(new URL('libs/orchestration/src/index.ts', import.meta.url)),
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
