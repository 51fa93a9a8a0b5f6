import type { EngineRequest } from '../src';

/**
 * The engines the contract suites run over on this machine: ORT's CPU
 * provider at 1 and 2 threads, and the tfjs backends that always install
 * (wasm, cpu). VAECF_TEST_ENGINES (comma-separated `name` or `name:threads`)
 * replaces the list, e.g. `onnxruntime-webgpu` on a machine with a GPU.
 */
export function availableEngines(): EngineRequest[] {
  const spec = process.env.VAECF_TEST_ENGINES ?? 'onnxruntime:1,onnxruntime:2,tfjs-wasm,tfjs-cpu';
  return spec.split(',').map((s) => {
    const [engine, threads] = s.trim().split(':');
    return { engine: engine as EngineRequest['engine'], threads: Number(threads ?? 1) };
  });
}
