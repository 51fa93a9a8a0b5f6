import { describe, expect, it } from 'vitest';
import { csrFromRows, type Csr } from '../../src/data/csr';
import type { HeldOutSplit } from '../../src/data/dataset';
import { evaluate, type Scorer } from '../../src/eval/evaluate';
import { PopularityScorer } from '../../src/eval/popularity';
import { assertDisjointSplit, assertNoUserLeak } from '../../src/eval/split-checks';
import { Rng } from '../../src/runtime/rng';

/** A scorer whose scores depend on user content only (so batching cannot change them). */
const hashScorer: Scorer = {
  score(foldIn: Csr) {
    const out = new Float32Array(foldIn.nRows * foldIn.nCols);
    for (let r = 0; r < foldIn.nRows; r++) {
      const rng = Rng.fromSeed(
        foldIn.indices.subarray(foldIn.indptr[r], foldIn.indptr[r + 1]).reduce((a, b) => a * 31 + b, 7) | 0,
      );
      for (let i = 0; i < foldIn.nCols; i++) out[r * foldIn.nCols + i] = rng.float();
    }
    return out;
  },
};

function randomSplit(seed: number, users: number, items: number): HeldOutSplit {
  const rng = Rng.fromSeed(seed);
  const fi: number[][] = [];
  const ho: number[][] = [];
  for (let u = 0; u < users; u++) {
    const perm = Array.from(rng.permutation(items));
    const nFi = 1 + rng.int(10);
    const nHo = u % 9 === 0 ? 0 : 1 + rng.int(10);
    fi.push(perm.slice(0, nFi));
    ho.push(perm.slice(nFi, nFi + nHo));
  }
  return {
    foldIn: csrFromRows(items, fi),
    heldOut: csrFromRows(items, ho),
    userIds: fi.map((_, u) => `u${u}`),
  };
}

describe('evaluate', () => {
  const split = randomSplit(3, 60, 150);

  it('gives the same means for any batch size', async () => {
    const a = await evaluate(hashScorer, split, { batchSize: 1 });
    const b = await evaluate(hashScorer, split, { batchSize: 7 });
    const c = await evaluate(hashScorer, split, { batchSize: 1000 });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('leaves users without held-out items out of the means and counts them', async () => {
    const r = await evaluate(hashScorer, split, { ks: [5] });
    expect(r.skippedNoHeldOut).toBe(7); // users 0, 9, ..., 54
    expect(r.users).toBe(53);
    expect(Object.keys(r.ndcg).map(Number)).toEqual([5, 20, 50, 100]);
    expect(r.ndcg100).toBe(r.ndcg[100]);
  });

  it('rejects a bad batch size', async () => {
    await expect(evaluate(hashScorer, split, { batchSize: 0 })).rejects.toThrow(
      /batchSize must be a positive integer/,
    );
  });
});

describe('popularity baseline', () => {
  it('ranks items by training popularity, fold-in masked', async () => {
    // Popularity: item 2 (3 users) > item 1 (2) > item 0 (1) > item 3 (0).
    const train = csrFromRows(4, [[0, 1, 2], [1, 2], [2]]);
    const split: HeldOutSplit = {
      foldIn: csrFromRows(4, [[2], []]),
      heldOut: csrFromRows(4, [[0], [3]]),
      userIds: ['a', 'b'],
    };
    const r = await evaluate(new PopularityScorer(train), split, { ks: [1, 2] });
    // user a: ranking 1, 0, 3 -> held-out item 0 at rank 2; user b: ranking 2, 1, 0, 3 -> rank 4.
    expect(r.recall[1]).toBe(0);
    expect(r.recall[2]).toBe(0.5);
    expect(r.ndcg[2]).toBeCloseTo((1 / Math.log2(3) + 0) / 2, 12);
    expect(r.ndcg100).toBeCloseTo((1 / Math.log2(3) + 1 / Math.log2(5)) / 2, 12);
  });
});

describe('split checks', () => {
  it('finds an item both in fold-in and held-out', () => {
    const bad: HeldOutSplit = {
      foldIn: csrFromRows(5, [[1, 3]]),
      heldOut: csrFromRows(5, [[0, 3]]),
      userIds: ['x'],
    };
    expect(() => assertDisjointSplit(bad, 'validation')).toThrow(
      'validation: user x has item 3 in both fold-in and held-out',
    );
    expect(() => assertDisjointSplit(randomSplit(1, 20, 40))).not.toThrow();
  });
  it('finds a held-out user among the training users', () => {
    const s = randomSplit(1, 3, 40);
    expect(() => assertNoUserLeak(['q', 'u1'], s, 'test')).toThrow(
      'test: held-out user u1 also appears in training',
    );
    expect(() => assertNoUserLeak(['q'], s)).not.toThrow();
  });
});
