import * as tf from '@tensorflow/tfjs-core';
import { activeBackend } from '../runtime/backend';
import { jsMatMul, type MatMul } from './matmul';

/**
 * The product on the active TensorFlow.js backend (XNNPACK on wasm, the
 * native library on tfjs-node): about 6 times the JavaScript reference on
 * wasm. Interim: the native engine's GEMM (libs/engine) replaces it in
 * `baselineMatMul` below, the one place that picks EASE's product.
 */
export const tfMatMul: MatMul = async (a, b, m, k, n) => {
  const c = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])));
  try {
    return (await c.data()) as Float32Array;
  } finally {
    c.dispose();
  }
};

/** EASE's default product: the active backend's when one is loaded, else the JavaScript reference. */
export function baselineMatMul(): MatMul {
  return activeBackend() ? tfMatMul : jsMatMul;
}
