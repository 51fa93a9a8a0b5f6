import * as tf from '@tensorflow/tfjs-core';

/** The TensorFlow.js backends the tfjs engines run on. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/**
 * Loads one TensorFlow.js backend and makes it tfjs's current one (tfjs has
 * one per process). The native backends are optional dependencies that often
 * fail to install; their absence is this call's error, thrown with tfjs's or
 * Node's own reason.
 */
export async function useBackend(name: BackendName): Promise<void> {
  const tfName = name === 'tensorflow-gpu' ? 'tensorflow' : name;
  if (tf.getBackend() === tfName && tf.findBackend(tfName)) return;
  load(name);
  if (!(await tf.setBackend(tfName))) throw new Error(`tf.setBackend('${tfName}') failed`);
  await tf.ready();
}

/* eslint-disable @typescript-eslint/no-require-imports -- the native packages are optional and
   may be absent: a plain require inside try/catch (the caller's) is the honest way to probe them (an
   import would need their type declarations at build time). */
function load(name: BackendName): void {
  switch (name) {
    case 'tensorflow-gpu':
      require('@tensorflow/tfjs-node-gpu');
      return;
    case 'tensorflow':
      require('@tensorflow/tfjs-node');
      return;
    case 'wasm':
      require('@tensorflow/tfjs-backend-wasm');
      return;
    case 'cpu':
      require('@tensorflow/tfjs-backend-cpu');
      return;
  }
}
/* eslint-enable @typescript-eslint/no-require-imports */
