import * as tf from '@tensorflow/tfjs-core';
import type { Csr } from '../data/csr';
import { readValues, rewriteValues } from './tf-ops';

export interface MultinomialLossGrad {
  /** Negative multinomial log-likelihood, mean over the users. */
  readonly nll: number;
  /** dnll/dlogits, [B, I]. */
  readonly dLogits: tf.Tensor2D;
  /** Its column sums: the gradient of the output layer's biases. */
  readonly dBias: Float32Array;
}

/**
 * The multinomial loss of the users `batch` (their raw binary rows x) and
 * its gradient, from one softmax kernel and one JS pass over [B, I]: with
 * p = softmax(l) and n_b the row counts,
 *   nll = -(1/B) sum_b sum_{i in x_b} log p_bi   (only the nonzeros of x)
 *   dl  = p * n_b / B - x / B                    (p rewritten in place, x sparse)
 * so no dense x, no exp/log/max tensors of [B, I] and no separate column sum.
 * A log p whose p underflowed (0 or a subnormal in float32) is recomputed
 * exactly from the logits, so the loss stays finite and exact where the math is.
 */
/** Below this a float32 probability has lost its precision (the smallest normal float32 is 1.2e-38). */
const TINY = 1e-30;

export function multinomialLossGrad(logits: tf.Tensor2D, batch: Csr): MultinomialLossGrad {
  const [B, I] = logits.shape;
  const { indptr, indices } = batch;
  const colSums = new Float64Array(I);
  let nllSum = 0;
  const dLogits = rewriteValues(tf.softmax(logits), (p) => {
    for (let r = 0; r < B; r++) {
      const o = r * I;
      for (let k = indptr[r]; k < indptr[r + 1]; k++) {
        const pk = p[o + indices[k]];
        nllSum -= pk >= TINY ? Math.log(pk) : logSoftmaxAt(logits, r, indices[k]);
      }
      const scale = (indptr[r + 1] - indptr[r]) / B;
      for (let i = 0; i < I; i++) {
        const d = p[o + i] * scale;
        p[o + i] = d;
        colSums[i] += d;
      }
      for (let k = indptr[r]; k < indptr[r + 1]; k++) {
        p[o + indices[k]] -= 1 / B;
        colSums[indices[k]] -= 1 / B;
      }
    }
  });
  return { nll: nllSum / B, dLogits, dBias: Float32Array.from(colSums) };
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
