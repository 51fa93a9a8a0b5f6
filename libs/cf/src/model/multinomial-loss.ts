import * as tf from '@tensorflow/tfjs-core';
import type { Csr } from '../data/csr';
import { readValues, rewriteValues } from './tf-ops';

export interface MultinomialLossGrad {
  /** Negative multinomial log-likelihood, mean over the users. */
  readonly nll: number;
  /** dnll/dlogits, [B, I]. */
  readonly dLogits: tf.Tensor2D;
}

/** Below this a float32 probability has lost its precision (the smallest normal float32 is 1.2e-38). */
const TINY = 1e-30;

/**
 * The multinomial loss of the users `batch` (their raw binary rows x) and
 * its gradient: with p = softmax(l) and n_b the row counts,
 *   nll = -(1/B) sum_b sum_{i in x_b} log p_bi   (only the nonzeros of x)
 *   dl  = p * n_b / B - x / B                    (x sparse)
 * from one softmax kernel, one broadcast multiply (a vectorised kernel on
 * wasm: 3x faster than the same pass in JS) and JS work on the nonzeros of x
 * only: no dense x, no exp/log/max tensors of [B, I]. The bias gradient,
 * dl's column sums, comes out of the weight gradient's matMul
 * (tf-ops.ts, weightAndBiasGradient): a column sum over [B, I] costs a pass
 * of its own. A log p whose p underflowed (0 or a subnormal in float32) is
 * recomputed exactly from the logits, so the loss stays finite and exact
 * where the math is. The logits are left as they were.
 */
export function multinomialLossGrad(logits: tf.Tensor2D, batch: Csr): MultinomialLossGrad {
  const [B, I] = logits.shape;
  const { indptr, indices } = batch;
  const p = tf.softmax(logits);
  // A view of the wasm heap at most: read before any other tfjs call.
  const nll = sparseNll(readValues(p), B, I, batch, logits) / B;
  const rowScale = new Float32Array(B);
  for (let r = 0; r < B; r++) rowScale[r] = (indptr[r + 1] - indptr[r]) / B;
  const scale = tf.tensor2d(rowScale, [B, 1]);
  const scaled: tf.Tensor2D = tf.mul(p, scale);
  tf.dispose([p, scale]);
  const invB = 1 / B;
  const dLogits = rewriteValues(scaled, (d) => {
    for (let r = 0; r < B; r++) {
      const o = r * I;
      for (let k = indptr[r]; k < indptr[r + 1]; k++) d[o + indices[k]] -= invB;
    }
  });
  return { nll, dLogits };
}

/** -sum_b sum_{i in x_b} log p_bi from the softmax p [B, I], in float64. */
function sparseNll(p: Float32Array, B: number, I: number, batch: Csr, logits: tf.Tensor2D): number {
  const { indptr, indices } = batch;
  let sum = 0;
  for (let r = 0; r < B; r++) {
    const o = r * I;
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      const pk = p[o + indices[k]];
      // logSoftmaxAt reads the logits through a heap view too, allocating nothing: p's view stays valid.
      sum -= pk >= TINY ? Math.log(pk) : logSoftmaxAt(logits, r, indices[k]);
    }
  }
  return sum;
}

/** log softmax(l)[row, item] in float64, stable: l_i - max - log sum exp(l - max). */
function logSoftmaxAt(logits: tf.Tensor2D, row: number, item: number): number {
  const I = logits.shape[1];
  const l = readValues(logits).subarray(row * I, (row + 1) * I);
  let max = -Infinity;
  for (let i = 0; i < I; i++) if (l[i] > max) max = l[i];
  let s = 0;
  for (let i = 0; i < I; i++) s += Math.exp(l[i] - max);
  return l[item] - max - Math.log(s);
}
