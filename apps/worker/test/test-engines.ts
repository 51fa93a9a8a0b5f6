import { loadEngine, type Engine } from '@vaecf/engine';
import { probeEngines, type WorkerEngines } from '../src/engines';

/**
 * The engine the worker tests train on: what `auto` loads here (onnxruntime
 * on the CPU where it loads), one thread, as a worker with the defaults.
 */
export async function testEngine(): Promise<Engine> {
  return (await loadEngine({ engine: 'auto', threads: 1 })).engine;
}

/** What a worker with the default settings (VAECF_ENGINE auto, 1 thread, concurrency 1) finds here. */
export function testWorkerEngines(): Promise<WorkerEngines> {
  return probeEngines({ engine: 'auto', threads: 1, gpu: 0, cores: 1, concurrency: 1 });
}
