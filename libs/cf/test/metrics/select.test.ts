import { describe, expect, it } from 'vitest';
import { kthLargest } from '../../src/metrics/select';
import { Rng } from '../../src/runtime/rng';

describe('kthLargest', () => {
  const rng = Rng.fromSeed(11);
  it('agrees with a full sort, with and without ties', () => {
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + rng.int(300);
      const levels = trial % 2 ? 5 : 1e9; // odd trials: many ties
      const values = Float64Array.from({ length: n }, () => rng.int(levels) - levels / 2);
      const sorted = Array.from(values).sort((a, b) => b - a);
      const k = 1 + rng.int(n);
      expect(kthLargest(Float64Array.from(values), n, k)).toBe(sorted[k - 1]);
    }
  });
  it('handles all-equal values, infinities and k = n', () => {
    expect(kthLargest(new Float64Array(1000), 1000, 500)).toBe(0);
    expect(kthLargest(Float64Array.from([Infinity, -Infinity, 3]), 3, 1)).toBe(Infinity);
    expect(kthLargest(Float64Array.from([Infinity, -Infinity, 3]), 3, 3)).toBe(-Infinity);
  });
  it('only looks at the first n values', () => {
    expect(kthLargest(Float64Array.from([1, 2, 99]), 2, 1)).toBe(2);
  });
  it('rejects k outside [1, n]', () => {
    expect(() => kthLargest(new Float64Array(3), 3, 0)).toThrow('kthLargest: k = 0 outside [1, 3]');
    expect(() => kthLargest(new Float64Array(3), 3, 4)).toThrow('kthLargest: k = 4 outside [1, 3]');
  });
});
