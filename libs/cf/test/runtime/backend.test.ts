import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BACKEND_ENV, initBackend } from '../../src/runtime/backend';

// Each vitest file runs in its own process, so switching backends here touches no other test.
describe('initBackend', () => {
  it('picks the best backend present and says why better ones were passed over', async () => {
    const info = await initBackend('auto');
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(info.name);
    expect(tf.getBackend()).toBe(info.tfName);
    const order = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
    expect(info.skipped.map((s) => s.split(':')[0])).toEqual(order.slice(0, order.indexOf(info.name)));
  });

  it('honours an explicit choice', async () => {
    const info = await initBackend('cpu');
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('fails loudly when the requested backend cannot load, and on an unknown name', async () => {
    let nativeMissing = false;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      nativeMissing = true;
    }
    if (nativeMissing) {
      await expect(initBackend('tensorflow')).rejects.toThrow(
        `${BACKEND_ENV}=tensorflow was requested but cannot be loaded`,
      );
    }
    await expect(initBackend('gpu-please')).rejects.toThrow(
      `${BACKEND_ENV} must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu; got "gpu-please"`,
    );
  });
});
