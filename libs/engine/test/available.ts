import type { EngineRequest } from '../src';

/**
 * The engines the contract suites run over on this machine: ORT's CPU
 * provider at 1 and 2 threads, the tfjs backends that always install
 * (wasm, cpu), and ORT's WebGPU provider where a Vulkan driver it runs on
 * was found (VAECF_TEST_WEBGPU=1, set by vitest.config.mts when pretest
 * installed lavapipe, a software driver). VAECF_TEST_ENGINES
 * (comma-separated `name` or `name:threads`) replaces the list, e.g.
 * `onnxruntime-webgpu,onnxruntime:16` on a machine with a GPU.
 */
export function availableEngines(): EngineRequest[] {
  const webgpu = process.env.VAECF_TEST_WEBGPU === '1' ? ',onnxruntime-webgpu' : '';
  const spec = process.env.VAECF_TEST_ENGINES ?? `onnxruntime:1,onnxruntime:2,tfjs-wasm,tfjs-cpu${webgpu}`;
  return spec.split(',').map((s) => {
    const [engine, threads] = s.trim().split(':');
    return { engine: engine as EngineRequest['engine'], threads: Number(threads ?? 1) };
  });
}
