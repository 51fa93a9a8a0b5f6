import * as tf from '@tensorflow/tfjs-core';

/**
 * a^T b (`which` = 'a') or a b^T (`which` = 'b'). On the wasm backend a matMul
 * with a transpose flag runs ~10x slower than a tf.transpose followed by a
 * plain matMul (docs/tfjs-wasm-perf.md); native backends handle the
 * flags inside their BLAS call, so they get them directly.
 */
export function transposedMatMul(a: tf.Tensor2D, b: tf.Tensor2D, which: 'a' | 'b'): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, which === 'a', which === 'b');
  return which === 'a' ? tf.matMul(tf.transpose(a), b) : tf.matMul(a, tf.transpose(b));
}
