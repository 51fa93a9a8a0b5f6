// tfjs-core alone registers no gradients; the reference graph needs the tape's.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import type { Csr } from '../../src/data/csr';
import type { Architecture } from '../../src/model/architecture';
import type { SparseInput } from '../../src/model/sparse-input';

/** The raw binary rows as a dense [rows x nCols] Float32Array, each stored entry = `value`. */
export function denseRows(batch: Csr, value = 1): Float32Array {
  const out = new Float32Array(batch.nRows * batch.nCols);
  for (let r = 0; r < batch.nRows; r++) {
    const base = r * batch.nCols;
    for (let k = batch.indptr[r]; k < batch.indptr[r + 1]; k++) out[base + batch.indices[k]] = value;
  }
  return out;
}

/**
 * The paper's graph written the obvious way (dense input, tf.logSoftmax,
 * tape gradients), as the oracle for MultAutoencoder's hand-written backward.
 */
export function referenceLoss(
  arch: Architecture,
  params: tf.Tensor[],
  x: SparseInput,
  raw: Csr,
  eps: Float32Array | undefined,
  beta: number,
  lam: number,
): tf.Scalar {
  const B = raw.nRows;
  const input = new Float32Array(B * arch.nItems);
  for (let r = 0; r < B; r++)
    for (let k = x.rowPtr[r]; k < x.rowPtr[r + 1]; k++) input[r * arch.nItems + x.items[k]] += x.values[k];
  let h: tf.Tensor2D = tf.tensor2d(input, [B, arch.nItems]);
  let kl: tf.Tensor = tf.scalar(0);
  arch.layers.forEach((layer, i) => {
    if (arch.kind === 'vae' && i === arch.decoderStart) {
      const d = arch.latent;
      const mu = tf.slice(h, [0, 0], [B, d]);
      const logvar = tf.slice(h, [0, d], [B, d]);
      kl = tf.mean(
        tf.sum(tf.mul(0.5, tf.add(tf.add(tf.neg(logvar), tf.exp(logvar)), tf.sub(tf.square(mu), 1))), 1),
      );
      h = eps ? tf.add(mu, tf.mul(tf.tensor2d(eps, [B, d]), tf.exp(tf.mul(0.5, logvar)))) : mu;
    }
    const pre = tf.add(tf.matMul(h, params[2 * i] as tf.Tensor2D), params[2 * i + 1]) as tf.Tensor2D;
    h = layer.tanh ? tf.tanh(pre) : pre;
  });
  const xRaw = tf.tensor2d(denseRows(raw), [B, arch.nItems]);
  const nll = tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(h), xRaw), 1)));
  const reg = params
    .filter((_, k) => k % 2 === 0)
    .reduce((s: tf.Tensor, w) => tf.add(s, tf.sum(tf.square(w))), tf.scalar(0));
  return tf.add(tf.add(nll, tf.mul(beta, kl)), tf.mul(lam, reg)) as tf.Scalar;
}
