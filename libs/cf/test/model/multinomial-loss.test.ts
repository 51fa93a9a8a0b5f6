import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { csrFromRows } from '../../src/data/csr';
import { multinomialLossGrad } from '../../src/model/multinomial-loss';
import { maxAbsDiff, randomCsr, useTestBackend } from '../support/tf';
import { denseRows } from './reference-graph';

beforeAll(async () => {
  await useTestBackend();
});

/** tf.grad of the loss written the obvious way: -mean_b sum_i x_bi logSoftmax(l)_bi. */
function reference(logits: tf.Tensor2D, x: tf.Tensor2D) {
  const f = (l: tf.Tensor) => tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(l as tf.Tensor2D), x), 1)));
  const { value, grad } = tf.valueAndGrad(f)(logits);
  return { nll: value.dataSync()[0], dLogits: grad.dataSync() };
}

describe('multinomialLossGrad (the fused softmax, loss and gradient)', () => {
  it('equals tf.grad of the dense loss', () => {
    const batch = randomCsr(3, 7, 50, 20);
    const values = Float32Array.from({ length: 7 * 50 }, (_, k) => Math.sin(k) * 4);
    const logits = tf.tensor2d(values, [7, 50]);
    const ref = reference(logits, tf.tensor2d(denseRows(batch), [7, 50]));
    const mine = multinomialLossGrad(logits, batch);
    expect(mine.nll).toBeCloseTo(ref.nll, 5);
    expect(maxAbsDiff(mine.dLogits.dataSync(), ref.dLogits)).toBeLessThan(1e-6);
    // The logits are the caller's: left as they were.
    expect(maxAbsDiff(logits.dataSync(), values)).toBe(0);
    tf.dispose([logits, mine.dLogits]);
  });

  it('stays exact and finite where a softmax probability underflows to 0 in float32', () => {
    // Item 1's probability is exp(-200): 0 in float32, yet its log is plainly -200 - log(1 + 2 e^-300).
    const batch = csrFromRows(3, [[1, 2]]);
    const logits = tf.tensor2d([[100, -100, 0]]);
    const mine = multinomialLossGrad(logits, batch);
    expect(Number.isFinite(mine.nll)).toBe(true);
    expect(mine.nll).toBeCloseTo(200 + 100, 3);
    expect(Array.from(mine.dLogits.dataSync())).toEqual([2, -1, -1]);
    tf.dispose([logits, mine.dLogits]);
  });
});
