import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DenseParams, transposeInto } from '../../src/model/dense-layer';
import { maxAbsDiff, useTestBackend } from '../support/tf';

beforeAll(async () => {
  await useTestBackend();
});

describe('DenseParams', () => {
  it('transposes in tiles exactly as tf.transpose, ragged edges included', () => {
    const [rows, cols] = [130, 70];
    const src = Float32Array.from({ length: rows * cols }, (_, k) => k);
    const dst = new Float32Array(src.length);
    transposeInto(src, rows, cols, dst);
    expect(Array.from(dst)).toEqual(Array.from(tf.transpose(tf.tensor2d(src, [rows, cols])).dataSync()));
  });

  it('hands out its weights, and W^T when asked, as fresh tensors that follow its updates', () => {
    const layer = new DenseParams(3, 2, Float32Array.from([1, 2, 3, 4, 5, 6]), new Float32Array(2), false);
    const before = layer.tensors(true);
    expect(Array.from(before.wT!.dataSync())).toEqual([1, 3, 5, 2, 4, 6]);
    layer.update(
      { lr: 0.5, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      1,
      new Float32Array(6).fill(1),
      new Float32Array(2),
      0,
    );
    const after = layer.tensors(true);
    // Adam's first step moves every weight by lr against the gradient's sign.
    const w = after.w.dataSync();
    expect(maxAbsDiff(w, [0.5, 1.5, 2.5, 3.5, 4.5, 5.5])).toBeLessThan(1e-5);
    expect(Array.from(after.wT!.dataSync())).toEqual([w[0], w[2], w[4], w[1], w[3], w[5]]);
    expect(Array.from(before.w.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(layer.tensors(false).wT).toBeUndefined();
    tf.dispose([before.w, before.b, before.wT!, after.w, after.b, after.wT!]);
  });
});
