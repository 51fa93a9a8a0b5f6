// tfjs-core alone registers no gradients; the reference graph needs the tape's.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import type { Csr } from '../../src/data/csr';
import type { SparseInput } from '../../src/model/sparse-input';
import { denseRows } from './reference-graph';

/**
 * RecVAE written the obvious way, as the authors' PyTorch code reads (dense
 * input, tf.logSoftmax, tf.logSumExp over the stacked mixture, tape
 * gradients): the oracle for the hand-written backward of recvae/graph.ts.
 * `p` holds every parameter by its RecVAE name (fc1 as W1/b1); `prior` the
 * frozen copy's encoder parameters by the same names.
 */
export function recvaeReferenceLoss(
  p: Record<string, tf.Tensor>,
  prior: Record<string, tf.Tensor>,
  x: SparseInput,
  raw: Csr,
  eps: Float32Array,
  opts: { latent: number; klGamma: number; priorWeights: readonly number[] },
): tf.Scalar {
  const B = raw.nRows;
  const I = raw.nCols;
  const dense = (s: SparseInput) => {
    const out = new Float32Array(B * I);
    for (let r = 0; r < B; r++)
      for (let k = s.rowPtr[r]; k < s.rowPtr[r + 1]; k++) out[r * I + s.items[k]] += s.values[k];
    return tf.tensor2d(out, [B, I]);
  };
  const xRaw = tf.tensor2d(denseRows(raw), [B, I]);
  // The prior's encoder reads the plain L2-normalised rows.
  const plain = tf.div(xRaw, tf.sqrt(tf.sum(tf.square(xRaw), 1, true))) as tf.Tensor2D;
  const swish = (t: tf.Tensor) => tf.mul(t, tf.sigmoid(t));
  const ln = (t: tf.Tensor, g: tf.Tensor, c: tf.Tensor) => {
    const mean = tf.mean(t, 1, true);
    const variance = tf.mean(tf.square(tf.sub(t, mean)), 1, true);
    return tf.add(tf.mul(tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, 0.1))), g), c);
  };
  const lin = (t: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
    tf.add(tf.matMul(t as tf.Tensor2D, w as tf.Tensor2D), b);
  const encoder = (input: tf.Tensor2D, q: Record<string, tf.Tensor>) => {
    const h: tf.Tensor[] = [];
    h[1] = ln(swish(lin(input, q.W1, q.b1)), q.g1, q.c1);
    for (let k = 2; k <= 5; k++) {
      let pre = lin(h[k - 1], q[`W${k}`], q[`b${k}`]);
      for (let j = 1; j < k; j++) pre = tf.add(pre, h[j]);
      h[k] = ln(swish(pre), q[`g${k}`], q[`c${k}`]);
    }
    return { mu: lin(h[5], q.Wmu, q.bmu), logvar: lin(h[5], q.Wlv, q.blv) };
  };
  const logNormPdf = (z: tf.Tensor, mu: tf.Tensor | number, logvar: tf.Tensor | number) =>
    tf.mul(
      -0.5,
      tf.add(tf.add(logvar, Math.log(2 * Math.PI)), tf.div(tf.square(tf.sub(z, mu)), tf.exp(logvar))),
    );

  const { mu, logvar } = encoder(dense(x), p);
  const z = tf.add(mu, tf.mul(tf.tensor2d(eps, [B, opts.latent]), tf.exp(tf.mul(0.5, logvar))));
  const logits = lin(z, p.Wd, p.bd) as tf.Tensor2D;
  const nll = tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), xRaw), 1)));
  const old = encoder(plain, prior);
  const [w0, w1, w2] = opts.priorWeights.map(Math.log);
  const comps = tf.stack(
    [
      tf.add(logNormPdf(z, 0, 0), w0),
      tf.add(logNormPdf(z, old.mu, old.logvar), w1),
      tf.add(logNormPdf(z, 0, 10), w2),
    ],
    2,
  );
  const logp = tf.logSumExp(comps, 2);
  const klw = tf.mul(opts.klGamma, tf.sum(xRaw, 1));
  const kl = tf.mean(tf.mul(tf.sum(tf.sub(logNormPdf(z, mu, logvar), logp), 1), klw));
  return tf.add(nll, kl) as tf.Scalar;
}
