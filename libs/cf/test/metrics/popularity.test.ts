import { describe, expect, it } from 'vitest';
import { csrFromRows } from '../../src/data/csr';
import type { HeldOutSplit } from '../../src/data/dataset';
import { evaluate } from '../../src/eval/evaluate';
import { PopularityScorer } from '../../src/eval/popularity';

describe('popularity baseline', () => {
  // Popularity: item 2 (3 users) > item 1 (2) > item 0 (1) > items 3, 4 (0).
  const train = csrFromRows(5, [[0, 1, 2], [1, 2], [2]]);

  it('scores every user with the training user count of each item', () => {
    const s = new PopularityScorer(train).score(csrFromRows(5, [[0], [3, 4]]));
    expect(Array.from(s)).toEqual([1, 2, 3, 0, 0, 1, 2, 3, 0, 0]);
  });

  it('ranks items by popularity with fold-in masked, through evaluate()', async () => {
    const split: HeldOutSplit = {
      foldIn: csrFromRows(5, [[2], [], [1]]),
      heldOut: csrFromRows(5, [[0], [3], [2, 4]]),
      userIds: ['a', 'b', 'c'],
    };
    const r = await evaluate(new PopularityScorer(train), split, { ks: [1, 2] });
    // a: 1, 0, 3, 4 -> held-out 0 at rank 2.
    // b: 2, 1, 0, 3, 4 -> held-out 3 at rank 4 (ties 3 = 4 at 0 users: lower index first).
    // c: 2, 0, 3, 4 -> held-out 2 at rank 1, held-out 4 at rank 4.
    const d = (r: number) => 1 / Math.log2(r + 1);
    expect(r.users).toBe(3);
    expect(r.recall[1]).toBeCloseTo((0 + 0 + 1) / 3, 12);
    expect(r.recall[2]).toBeCloseTo((1 + 0 + 1 / 2) / 3, 12);
    expect(r.ndcg[1]).toBeCloseTo((0 + 0 + 1) / 3, 12);
    expect(r.ndcg[2]).toBeCloseTo((d(2) + 0 + 1 / (d(1) + d(2))) / 3, 12);
    expect(r.ndcg100).toBeCloseTo((d(2) + d(4) + (d(1) + d(4)) / (d(1) + d(2))) / 3, 12);
    expect(r.recall20).toBeCloseTo(1, 12);
  });

  it('rejects fold-in rows over another item set', () => {
    expect(() => new PopularityScorer(train).score(csrFromRows(4, [[0]]))).toThrow(
      'popularity: fold-in has 4 items, training has 5',
    );
  });
});
