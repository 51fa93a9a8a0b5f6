import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { weightAndBiasGradient } from '../../src/model/tf-ops';
import { maxAbsDiff, useTestBackend } from '../support/tf';

beforeAll(async () => {
  await useTestBackend();
});

describe('weightAndBiasGradient', () => {
  it('is x^T g with the column sums of g as one more row', () => {
    const x = tf.tensor2d(
      Float32Array.from({ length: 5 * 3 }, (_, k) => Math.sin(k)),
      [5, 3],
    );
    const g = tf.tensor2d(
      Float32Array.from({ length: 5 * 4 }, (_, k) => Math.cos(k)),
      [5, 4],
    );
    const wb = weightAndBiasGradient(x, g);
    expect(wb.shape).toEqual([4, 4]);
    const values = wb.dataSync();
    expect(maxAbsDiff(values.subarray(0, 12), tf.matMul(x, g, true, false).dataSync())).toBeLessThan(1e-6);
    expect(maxAbsDiff(values.subarray(12), tf.sum(g, 0).dataSync())).toBeLessThan(1e-6);
    tf.dispose([x, g, wb]);
  });
});
