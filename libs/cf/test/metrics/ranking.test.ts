import { describe, expect, it } from 'vitest';
import { csrFromRows } from '../../src/data/csr';
import { rankingMetrics } from '../../src/metrics/ranking';
import { topK } from '../../src/metrics/top-k';

describe('topK', () => {
  it('returns the k best, best first, ties to the lower index', () => {
    expect(Array.from(topK([0.1, 0.9, 0.5, 0.9, -1], 0, 5, 3))).toEqual([1, 3, 2]);
  });
  it('ranks NaN below every number and -Infinity', () => {
    expect(Array.from(topK([NaN, -Infinity, 2, NaN], 0, 4, 4))).toEqual([2, 0, 1, 3]);
  });
  it('returns fewer than k when there are fewer candidates', () => {
    expect(Array.from(topK([3, 2, 1], 0, 3, 10, (i) => i === 0))).toEqual([1, 2]);
  });
  it('reads one row of a row-major matrix', () => {
    expect(Array.from(topK([9, 9, 9, 1, 3, 2], 3, 3, 2))).toEqual([1, 2]);
  });
});

describe('rankingMetrics', () => {
  const nItems = 6;
  it('masks fold-in items before ranking', () => {
    // Item 0 is fold-in with the top score; held-out item 1 is then ranked first.
    const m = rankingMetrics(
      [10, 5, 1, 0, 0, 0],
      csrFromRows(nItems, [[0]]),
      csrFromRows(nItems, [[1]]),
      [1],
    );
    expect(m.ndcg[1][0]).toBe(1);
    expect(m.recall[1][0]).toBe(1);
  });
  it('gives NaN for a user with no held-out items', () => {
    const m = rankingMetrics([1, 2, 3, 4, 5, 6], csrFromRows(nItems, [[0]]), csrFromRows(nItems, [[]]), [5]);
    expect(m.ndcg[5][0]).toBeNaN();
    expect(m.recall[5][0]).toBeNaN();
  });
  it('handles k beyond the candidate count', () => {
    const m = rankingMetrics(
      [1, 2, 3, 4, 5, 6],
      csrFromRows(nItems, [[5, 4]]),
      csrFromRows(nItems, [[0]]),
      [100],
    );
    // candidates 3,2,1,0 by score; held-out item 0 is 4th: DCG = 1/log2(5), IDCG = 1.
    expect(m.ndcg[100][0]).toBeCloseTo(1 / Math.log2(5), 12);
    expect(m.recall[100][0]).toBe(1);
  });
  it('divides recall by min(k, n)', () => {
    const m = rankingMetrics(
      [6, 5, 4, 3, 2, 1],
      csrFromRows(nItems, [[]]),
      csrFromRows(nItems, [[0, 1, 5]]),
      [2],
    );
    expect(m.recall[2][0]).toBe(1);
  });
  it('rejects mismatched shapes and bad k', () => {
    const one = csrFromRows(nItems, [[0]]);
    expect(() => rankingMetrics([1, 2], one, one, [1])).toThrow(/scores hold 2 values, expected 1 x 6/);
    expect(() => rankingMetrics(new Float32Array(6), one, one, [0])).toThrow(
      /k must be a positive integer, got 0/,
    );
  });
});
