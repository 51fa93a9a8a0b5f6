import { describe, expect, it } from 'vitest';
import { loadEngine, parseEngineChoice, EngineUnavailableError } from '../src';
import { engineContract } from './contract';
import { availableEngines } from './available';

for (const req of availableEngines())
  engineContract(`${req.engine} x${req.threads}`, async () => (await loadEngine(req)).engine);

describe('loadEngine', () => {
  it('auto picks onnxruntime on the CPU here', async () => {
    const { engine } = await loadEngine({ engine: 'auto', threads: 1 });
    expect(engine.info).toMatchObject({ name: 'onnxruntime', provider: 'cpu', device: 'cpu', threads: 1 });
  });

  it('a named engine that cannot load is an error naming it and why, never a fallback', async () => {
    const err = await loadEngine({ engine: 'onnxruntime-cuda', threads: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect(String((err as Error).message)).toMatch(/^engine onnxruntime-cuda cannot be loaded: \S/);
  });

  it('parses names and the old --backend values as aliases', () => {
    expect(parseEngineChoice('wasm', '--backend')).toBe('tfjs-wasm');
    expect(parseEngineChoice('tensorflow', '--backend')).toBe('tfjs-node');
    expect(parseEngineChoice('onnxruntime-webgpu', '--engine')).toBe('onnxruntime-webgpu');
    expect(() => parseEngineChoice('torch', '--engine')).toThrow(
      /--engine must be one of auto, onnxruntime, .*; got "torch"/,
    );
  });
});
