import { describe, expect, it } from 'vitest';
import { csrFromRows, csrRow } from '../../src/data/csr';
import { rankingMetrics } from '../../src/metrics/ranking';
import { TopKSelector, topK, topKSkipping } from '../../src/metrics/top-k';
import { Rng } from '../../src/runtime/rng';
import { referenceMetrics, referenceRanking } from './reference';

/** A row mixing plain values, heavy ties, NaN and infinities, as a diverged or untrained model might give. */
function nastyRow(rng: Rng, n: number, flavour: number): Float64Array {
  return Float64Array.from({ length: n }, () => {
    const x = rng.float();
    if (flavour === 1) return rng.int(4); // mostly ties
    if (flavour === 2 && x < 0.05) return NaN;
    if (flavour === 2 && x < 0.07) return Infinity;
    if (flavour === 2 && x < 0.09) return -Infinity;
    return rng.float() * 2 - 1;
  });
}

function randomSkip(rng: Rng, n: number): number[] {
  return Array.from(rng.permutation(n).subarray(0, rng.int(Math.min(n, 40) + 1))).sort((a, b) => a - b);
}

describe('topKSkipping', () => {
  it('returns the k best, best first, ties to the lower index', () => {
    expect(Array.from(topKSkipping([0.1, 0.9, 0.5, 0.9, -1], 0, 5, 3))).toEqual([1, 3, 2]);
  });
  it('treats NaN as -Infinity: below every finite score, tied with -Infinity by index', () => {
    expect(Array.from(topKSkipping([NaN, -Infinity, 2, NaN, Infinity, -5], 0, 6, 6))).toEqual([
      4, 2, 5, 0, 1, 3,
    ]);
    expect(Array.from(topKSkipping([NaN, NaN, NaN], 0, 3, 2))).toEqual([0, 1]);
  });
  it('returns fewer than k when there are fewer candidates', () => {
    expect(Array.from(topKSkipping([3, 2, 1], 0, 3, 10, [0]))).toEqual([1, 2]);
    expect(Array.from(topKSkipping([3, 2, 1], 0, 3, 10, [0, 1, 2]))).toEqual([]);
    expect(Array.from(topKSkipping([3, 2, 1], 0, 3, 0))).toEqual([]);
  });
  it('reads one row of a row-major matrix', () => {
    expect(Array.from(topKSkipping([9, 9, 9, 1, 3, 2], 3, 3, 2))).toEqual([1, 2]);
  });
  it('agrees with a full sort on random rows (ties, NaN, infinities, skips, many cuts)', () => {
    const rng = Rng.fromSeed(5);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + rng.int(trial % 3 === 0 ? 3000 : 200);
      const row = nastyRow(rng, n, trial % 3);
      const skip = randomSkip(rng, n);
      const k = 1 + rng.int(trial % 5 === 0 ? n + 5 : 120);
      const want = referenceRanking(row, skip).slice(0, k);
      expect(Array.from(topKSkipping(row, 0, n, k, skip)), `trial ${trial}`).toEqual(want);
      expect(Array.from(topKSkipping(Float32Array.from(row), 0, n, k, skip))).toEqual(
        referenceRanking(Float32Array.from(row), skip).slice(0, k),
      );
    }
  });
  it('rejects a skip list that is not ascending or out of range, and a bad k', () => {
    expect(() => topKSkipping([1, 2, 3], 0, 3, 1, [2, 1])).toThrow(
      /skip list must hold ascending item indices/,
    );
    expect(() => topKSkipping([1, 2, 3], 0, 3, 1, [3])).toThrow(/below 3; got 3/);
    expect(() => topKSkipping([1, 2, 3], 0, 3, 1.5)).toThrow('topK: k must be a positive integer, got 1.5');
  });
});

describe('topK (predicate form)', () => {
  it('skips the items the predicate names', () => {
    const seen = new Set([1, 3]);
    expect(Array.from(topK([0.1, 0.9, 0.5, 0.8, -1], 0, 5, 3, (i) => seen.has(i)))).toEqual([2, 0, 4]);
  });
});

describe('TopKSelector', () => {
  it('is reusable across rows of different content', () => {
    const sel = new TopKSelector(2);
    const rows = [
      [5, 4, 3, 2],
      [NaN, NaN, 1, NaN],
      [0, 0, 0, 0],
    ];
    const got = rows.map((r) => {
      sel.select(r, 0, 4, []);
      return Array.from(sel.sorted());
    });
    expect(got).toEqual([
      [0, 1],
      [2, 0],
      [0, 1],
    ]);
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
  it('gives NaN for a user with no held-out items, and still scores the others', () => {
    const m = rankingMetrics(
      [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6],
      csrFromRows(nItems, [[0], [0]]),
      csrFromRows(nItems, [[], [5]]),
      [5],
    );
    expect(m.ndcg[5][0]).toBeNaN();
    expect(m.recall[5][0]).toBeNaN();
    expect(m.ndcg[5][1]).toBe(1);
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
      [2, 6],
    );
    expect(m.recall[2][0]).toBe(1);
    expect(m.recall[6][0]).toBe(1);
    expect(m.ndcg[2][0]).toBe(1);
  });
  it('never ranks a NaN score above a finite one, and survives an all-NaN row', () => {
    const scores = [NaN, -3, NaN, 0.5, Infinity, NaN];
    const foldIn = csrFromRows(nItems, [[]]);
    // Held-out item 0 (NaN) comes after 4, 3, 1: rank 4.
    let m = rankingMetrics(scores, foldIn, csrFromRows(nItems, [[0]]), [3, 4]);
    expect(m.recall[3][0]).toBe(0);
    expect(m.ndcg[4][0]).toBeCloseTo(1 / Math.log2(5), 12);
    // +Infinity ranks first.
    m = rankingMetrics(scores, foldIn, csrFromRows(nItems, [[4]]), [1]);
    expect(m.ndcg[1][0]).toBe(1);
    m = rankingMetrics(new Float32Array(nItems).fill(NaN), foldIn, csrFromRows(nItems, [[0, 5]]), [1, 6]);
    expect(m.recall[1][0]).toBe(1); // all level: item 0 first by index
    expect(m.recall[6][0]).toBe(1);
  });
  it('matches the reference transcription on random batches, every k at once', () => {
    const rng = Rng.fromSeed(9);
    const ks = [1, 3, 10, 50, 100, 250];
    for (const n of [30, 700]) {
      const users = 25;
      const rows = Array.from({ length: users }, (_, u) => nastyRow(rng, n, u % 3));
      const perm = rows.map(() => rng.permutation(n));
      const fi = perm.map((p) => Array.from(p.subarray(0, rng.int(10))));
      const ho = perm.map((p, u) => (u === 3 ? [] : Array.from(p.subarray(10, 11 + rng.int(n / 3)))));
      const foldIn = csrFromRows(n, fi);
      const heldOut = csrFromRows(n, ho);
      const flat = new Float64Array(users * n);
      rows.forEach((r, u) => flat.set(r, u * n));
      const m = rankingMetrics(flat, foldIn, heldOut, ks);
      for (let u = 0; u < users; u++)
        for (const k of ks) {
          const want = referenceMetrics(rows[u], csrRow(foldIn, u), ho[u], k);
          if (ho[u].length === 0) {
            expect(m.ndcg[k][u]).toBeNaN();
            expect(m.recall[k][u]).toBeNaN();
            continue;
          }
          expect(m.ndcg[k][u], `n ${n} user ${u} ndcg@${k}`).toBeCloseTo(want.ndcg, 12);
          expect(m.recall[k][u], `n ${n} user ${u} recall@${k}`).toBeCloseTo(want.recall, 12);
        }
    }
  });
  it('rejects mismatched shapes and bad ks', () => {
    const one = csrFromRows(nItems, [[0]]);
    expect(() => rankingMetrics([1, 2], one, one, [1])).toThrow(/scores hold 2 values, expected 1 x 6/);
    expect(() => rankingMetrics(new Float32Array(6), one, csrFromRows(7, [[0]]), [1])).toThrow(
      'fold-in is 1 x 6 but held-out is 1 x 7 (users x items)',
    );
    expect(() => rankingMetrics(new Float32Array(6), one, one, [0])).toThrow(
      /k must be a positive integer, got 0/,
    );
    expect(() => rankingMetrics(new Float32Array(6), one, one, [])).toThrow(/at least one cutoff/);
  });
});
