import { describe, expect, it } from 'vitest';
import { engineChangesAfter, planTrialEngine, type WorkerEngines } from '../src/engines';

/** A worker's probe as engines.ts makes it: VAECF_ENGINE auto, 1 thread, 8 cores, 2 trials at once. */
const worker: WorkerEngines = {
  settings: { engine: 'auto', threads: 1, gpu: 0, cores: 8, concurrency: 2 },
  loadable: ['onnxruntime', 'tfjs-wasm', 'tfjs-cpu'],
  default: 'onnxruntime',
  unavailable: [],
};
const ort = (threads: number) => ({ name: 'onnxruntime', provider: 'cpu', device: 'cpu', threads });
const wasm = { name: 'tfjs-wasm', provider: 'wasm', device: 'cpu', threads: 1 };

describe("planTrialEngine: a trial's engine on this worker", () => {
  it("takes the sweep's fixed engine and threads over the worker's own; auto threads = cores / concurrency", () => {
    expect(planTrialEngine({}, undefined, worker, 'W')).toEqual({
      kind: 'run',
      request: { engine: 'onnxruntime', threads: 1, gpu: 0 },
    });
    expect(planTrialEngine({ engine: 'tfjs-wasm', threads: 'auto' }, undefined, worker, 'W')).toEqual({
      kind: 'run',
      request: { engine: 'tfjs-wasm', threads: 4, gpu: 0 },
    });
    const forced = {
      ...worker,
      settings: { ...worker.settings, threads: 'auto' as const },
      default: 'tfjs-cpu' as const,
    };
    expect(planTrialEngine({}, undefined, forced, 'W')).toEqual({
      kind: 'run',
      request: { engine: 'tfjs-cpu', threads: 4, gpu: 0 },
    });
  });

  it('hands back, unclaimed, a trial whose fixed engine this worker cannot load', () => {
    expect(planTrialEngine({ engine: 'onnxruntime-webgpu' }, undefined, worker, 'W')).toEqual({
      kind: 'hand-back',
      reason:
        'worker W cannot load engine onnxruntime-webgpu (it can load onnxruntime, tfjs-wasm, tfjs-cpu); waiting for a worker that can',
    });
  });

  it('resumes on the engine and threads the trial started with where it can load them', () => {
    expect(planTrialEngine({}, wasm, worker, 'W')).toEqual({
      kind: 'run',
      request: { engine: 'tfjs-wasm', threads: 1, gpu: 0 },
    });
    expect(planTrialEngine({}, ort(3), worker, 'W')).toEqual({
      kind: 'run',
      request: { engine: 'onnxruntime', threads: 3, gpu: 0 },
    });
    // An engine this worker cannot load: its own choice (the change is recorded when it starts).
    const gpu = { name: 'onnxruntime-webgpu', provider: 'webgpu', device: 'gpu:0', threads: 1 };
    expect(planTrialEngine({}, gpu, worker, 'W')).toEqual({
      kind: 'run',
      request: { engine: 'onnxruntime', threads: 1, gpu: 0 },
    });
  });
});

describe('engineChangesAfter: a takeover on another engine is recorded', () => {
  const at = { attempt: 3, at: 1000, worker: 'B' };

  it('records nothing for a first start or a resume on the same engine and threads', () => {
    expect(engineChangesAfter({}, ort(1), at)).toBeUndefined();
    expect(engineChangesAfter({ engine: ort(1) }, ort(1), at)).toBeUndefined();
  });

  it('appends a change of engine or of threads to the earlier ones', () => {
    expect(engineChangesAfter({ engine: wasm }, ort(1), at)).toEqual([{ ...at, from: wasm, to: ort(1) }]);
    const earlier = [{ attempt: 2, at: 500, worker: 'A', from: wasm, to: ort(1) }];
    expect(engineChangesAfter({ engine: ort(1), engineChanges: earlier }, ort(2), at)).toEqual([
      ...earlier,
      { ...at, from: ort(1), to: ort(2) },
    ]);
  });
});
