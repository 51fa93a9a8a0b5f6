import { describe, expect, it } from 'vitest';
import { DenseParams } from '../../src/model/dense-layer';
import { maxAbsDiff } from '../support/tf';

describe('DenseParams', () => {
  it('updates its weights in place with Adam and returns sum(W^2) from before the update', () => {
    const w = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const layer = new DenseParams(3, 2, w, new Float32Array(2), false);
    const squares = layer.update(
      { lr: 0.5, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      1,
      new Float32Array(6).fill(1),
      new Float32Array(2),
      0,
    );
    expect(squares).toBe(91);
    // Adam's first step moves every weight by lr against the gradient's sign.
    expect(layer.w).toBe(w);
    expect(maxAbsDiff(w, [0.5, 1.5, 2.5, 3.5, 4.5, 5.5])).toBeLessThan(1e-5);
  });
});
