import { describe, expect, it } from 'vitest';
import { csrFromRows, csrRow, type Csr } from '../../src/data/csr';
import type { HeldOutSplit } from '../../src/data/dataset';
import { evaluate } from '../../src/eval/evaluate';
import { hashScorer, matrixScorer, randomSplit } from './fixtures';

describe('evaluate', () => {
  const split = randomSplit(3, 60, 150);

  it('gives the same results, per user too, for batch sizes 1, 7 and 1000', async () => {
    const opts = { ks: [1, 5, 10], perUser: true };
    const a = await evaluate(hashScorer, split, { ...opts, batchSize: 1 });
    const b = await evaluate(hashScorer, split, { ...opts, batchSize: 7 });
    const c = await evaluate(hashScorer, split, { ...opts, batchSize: 1000 });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('hands the scorer contiguous batches holding the right users', async () => {
    const seen: number[][] = [];
    const recorder = {
      score(foldIn: Csr) {
        for (let r = 0; r < foldIn.nRows; r++) seen.push(Array.from(csrRow(foldIn, r)));
        return new Float32Array(foldIn.nRows * foldIn.nCols);
      },
    };
    const scorer = matrixScorer(new Float32Array(60 * 150), 150);
    await evaluate(scorer, split, { batchSize: 7 });
    expect(scorer.calls).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 4]);
    await evaluate(recorder, split, { batchSize: 7 });
    expect(seen).toEqual(Array.from({ length: 60 }, (_, u) => Array.from(csrRow(split.foldIn, u))));
  });

  it('leaves users without held-out items out of the means and counts them', async () => {
    const r = await evaluate(hashScorer, split, { ks: [5], perUser: true });
    expect(r.skippedNoHeldOut).toBe(7); // users 0, 9, ..., 54
    expect(r.users).toBe(53);
    expect(Object.keys(r.ndcg).map(Number)).toEqual([5, 20, 50, 100]);
    expect(Object.keys(r.recall).map(Number)).toEqual([5, 20, 50, 100]);
    expect(r.ndcg100).toBe(r.ndcg[100]);
    expect(r.recall20).toBe(r.recall[20]);
    expect(r.recall50).toBe(r.recall[50]);
    const per = Array.from(r.perUser!.ndcg[100]);
    expect(per.filter(Number.isNaN)).toHaveLength(7);
    expect(Number.isNaN(per[9])).toBe(true);
    const kept = per.filter((x) => !Number.isNaN(x));
    expect(r.ndcg100).toBeCloseTo(kept.reduce((a, b) => a + b, 0) / kept.length, 12);
  });

  it('omits per-user metrics unless asked', async () => {
    expect(await evaluate(hashScorer, split)).not.toHaveProperty('perUser');
  });

  it('gives NaN means when no user has held-out items', async () => {
    const empty: HeldOutSplit = {
      foldIn: csrFromRows(5, [[1], [2]]),
      heldOut: csrFromRows(5, [[], []]),
      userIds: ['a', 'b'],
    };
    const r = await evaluate(hashScorer, empty);
    expect(r.users).toBe(0);
    expect(r.skippedNoHeldOut).toBe(2);
    expect(r.ndcg100).toBeNaN();
    expect(r.recall20).toBeNaN();
  });

  it('rejects a bad batch size, a bad k, a misshapen split and a wrong-sized score matrix', async () => {
    await expect(evaluate(hashScorer, split, { batchSize: 0 })).rejects.toThrow(
      /batchSize must be a positive integer/,
    );
    await expect(evaluate(hashScorer, split, { ks: [0] })).rejects.toThrow(
      'evaluate: k must be a positive integer, got 0',
    );
    const misshapen: HeldOutSplit = { ...split, heldOut: csrFromRows(150, [[1]]) };
    await expect(evaluate(hashScorer, misshapen)).rejects.toThrow(
      'evaluate: fold-in is 60 x 150 but held-out is 1 x 150 (users x items)',
    );
    const short = { score: (f: Csr) => new Float32Array(f.nRows * f.nCols - 1) };
    await expect(evaluate(short, split, { batchSize: 10 })).rejects.toThrow(
      'scores hold 1499 values, expected 10 x 150',
    );
  });
});
