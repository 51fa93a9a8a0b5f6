import type { Rng } from '../runtime/rng';

/** Glorot (Xavier) uniform, as tf.contrib.layers.xavier_initializer: U(-a, a), a = sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(fanIn * fanOut);
  for (let k = 0; k < out.length; k++) out[k] = (2 * rng.float() - 1) * limit;
  return out;
}

/** Truncated normal (redrawn beyond 2 std), as tf.truncated_normal_initializer; the paper's biases use std 0.001. */
export function truncatedNormal(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    let z = rng.normal();
    while (Math.abs(z) > 2) z = rng.normal();
    out[k] = z * std;
  }
  return out;
}
