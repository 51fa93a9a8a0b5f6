import { describe, expect, it } from 'vitest';
import { csrFromRows } from '../../src/data/csr';
import type { HeldOutSplit } from '../../src/data/dataset';
import { evaluate } from '../../src/eval/evaluate';
import { PopularityScorer } from '../../src/eval/popularity';
import { Rng } from '../../src/runtime/rng';
import {
  decodePerUser,
  encodePerUser,
  perUserOf,
  splitIdentity,
  type PerUserMetrics,
} from '../../src/stats/per-user';
import { comparePerUser, SplitMismatchError } from '../../src/stats/significance';

/** Per-user vectors whose three metrics all equal `values` (NaN kept). */
function vectors(values: number[], split = 's'): PerUserMetrics {
  const v = Float32Array.from(values);
  return { split, values: { ndcg100: v, recall20: v.slice(), recall50: v.slice() } };
}

describe('comparePerUser', () => {
  // Reference values from SciPy 1.17: wilcoxon(d, zero_method='pratt', correction=True, method='approx').
  const withZeros = [
    0, 0, 0, 0.1, 0.1, -0.05, 0.2, 0.3, -0.1, 0.1, 0, 0.25, 0.05, 0.05, -0.2, 0.4, 0.1, 0.15, 0, 0.3,
  ];

  it("matches SciPy's Wilcoxon p-value with Pratt's zeros and ties", () => {
    const b = vectors(withZeros.map(() => 0.5));
    const a = vectors(withZeros.map((d) => 0.5 + d));
    const c = comparePerUser(a, b);
    // float32 storage moves the differences by ~1e-8: ties may split, so compare to 2 digits.
    expect(c.metrics.ndcg100.pValue).toBeCloseTo(0.01643, 2);
    expect(c.metrics.ndcg100.zeros).toBe(5);
    expect(c.test).toMatch(/Pratt/);
  });

  it('uses the exact distribution for few users without zeros or ties (SciPy: 0.10546875)', () => {
    const d = [1.5, -0.3, 2.1, 0.7, -1.1, 0.9, 1.8, 0.2, -0.4, 1.3];
    const c = comparePerUser(vectors(d), vectors(d.map(() => 0)));
    expect(c.metrics.recall20.pValue).toBeCloseTo(0.10546875, 6);
  });

  it('gives the paired mean difference with a seeded, reproducible 95% bootstrap interval', () => {
    const rng = Rng.fromSeed(9);
    const base = Array.from({ length: 300 }, () => rng.float());
    const a = vectors(base.map((x) => Math.min(1, x + 0.05 + 0.1 * (rng.float() - 0.5))));
    const b = vectors(base);
    const c1 = comparePerUser(a, b, { resamples: 2000, seed: 7 });
    const c2 = comparePerUser(a, b, { resamples: 2000, seed: 7 });
    const c3 = comparePerUser(a, b, { resamples: 2000, seed: 8 });
    const m = c1.metrics.ndcg100;
    expect(c1).toEqual(c2);
    expect(c3.metrics.ndcg100.ci).not.toEqual(m.ci);
    expect(c1.bootstrap).toEqual({ resamples: 2000, seed: 7, level: 0.95 });
    expect(m.difference).toBeCloseTo(m.meanA - m.meanB, 6);
    expect(m.ci[0]).toBeLessThan(m.difference);
    expect(m.ci[1]).toBeGreaterThan(m.difference);
    expect(m.ci[0]).toBeGreaterThan(0); // a clear improvement
    expect(m.pValue).toBeLessThan(1e-6);
    expect(comparePerUser(a, b).bootstrap).toEqual({ resamples: 10_000, seed: 20180423, level: 0.95 });
  });

  it('leaves out users without held-out items; p = 1 when every difference is 0', () => {
    const c = comparePerUser(vectors([0.5, NaN, 0.25]), vectors([0.5, NaN, 0.25]));
    expect(c.metrics.ndcg100).toMatchObject({ users: 2, difference: 0, ci: [0, 0], pValue: 1, zeros: 2 });
  });

  it('refuses to pair vectors of different splits', () => {
    expect(() => comparePerUser(vectors([1, 0], 'x'), vectors([1, 0], 'y'))).toThrow(SplitMismatchError);
  });
});

describe('per-user vectors', () => {
  const split: HeldOutSplit = {
    foldIn: csrFromRows(4, [[0], [1, 2], [3]]),
    heldOut: csrFromRows(4, [[1], [], [0, 2]]),
    userIds: ['a', 'b', 'c'],
  };

  it('round-trip through the compact binary form', async () => {
    const r = await evaluate(new PopularityScorer(csrFromRows(4, [[0, 1], [1]])), split, { perUser: true });
    const v = perUserOf(r, splitIdentity(split));
    const back = decodePerUser(encodePerUser(v));
    expect(back.split).toBe(v.split);
    expect(Array.from(back.values.ndcg100)).toEqual(Array.from(v.values.ndcg100));
    expect(Number.isNaN(back.values.recall50[1])).toBe(true);
    expect(() => decodePerUser(encodePerUser(v).subarray(0, 40))).toThrow(/per-user metrics file/);
  });

  it("identify a split by its users and items, not by a dataset's name", () => {
    const id = splitIdentity(split);
    expect(splitIdentity({ ...split })).toBe(id);
    expect(splitIdentity({ ...split, userIds: ['a', 'b', 'd'] })).not.toBe(id);
    expect(splitIdentity({ ...split, heldOut: csrFromRows(4, [[1], [], [0, 3]]) })).not.toBe(id);
  });
});
