import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csrFromRows } from '../../src/data/csr';
import { evaluate } from '../../src/eval/evaluate';
import { rankingMetrics } from '../../src/metrics/ranking';
import { matrixScorer } from './fixtures';

interface GoldenCase {
  name: string;
  n_users: number;
  n_items: number;
  scores: number[][];
  fold_in: number[][];
  heldout: number[][];
  ndcg: Record<string, number[]>;
  recall: Record<string, number[]>;
}

// Computed with the paper notebook's own metric functions (see ../golden/README.md).
const golden = JSON.parse(readFileSync(join(__dirname, '..', 'golden', 'metrics.json'), 'utf8')) as {
  ks: number[];
  cases: GoldenCase[];
};

const indicesOf = (row: number[]) => row.flatMap((v, i) => (v ? [i] : []));

describe.each(golden.cases.map((c) => [c.name, c] as const))('golden case %s', (_, c) => {
  const foldIn = csrFromRows(c.n_items, c.fold_in.map(indicesOf));
  const heldOut = csrFromRows(c.n_items, c.heldout.map(indicesOf));

  it.each([
    ['float64', Float64Array, 1e-9],
    ['float32', Float32Array, 1e-6],
  ] as const)('reproduces NDCG@k and Recall@k from %s scores', (_name, Arr, tol) => {
    const m = rankingMetrics(Arr.from(c.scores.flat()), foldIn, heldOut, golden.ks);
    for (const k of golden.ks) {
      c.ndcg[k].forEach((want, u) =>
        expect(Math.abs(m.ndcg[k][u] - want), `ndcg@${k} user ${u}`).toBeLessThan(tol),
      );
      c.recall[k].forEach((want, u) =>
        expect(Math.abs(m.recall[k][u] - want), `recall@${k} user ${u}`).toBeLessThan(tol),
      );
    }
  });

  it.each([1, 3, 1000])(
    'gives the mean of the golden values through evaluate(), batch size %i',
    async (bs) => {
      const scorer = matrixScorer(Float32Array.from(c.scores.flat()), c.n_items);
      const r = await evaluate(scorer, { foldIn, heldOut, userIds: [] }, { batchSize: bs, ks: golden.ks });
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(r.users).toBe(c.n_users);
      for (const k of golden.ks) {
        expect(Math.abs(r.ndcg[k] - mean(c.ndcg[k])), `ndcg@${k}`).toBeLessThan(1e-6);
        expect(Math.abs(r.recall[k] - mean(c.recall[k])), `recall@${k}`).toBeLessThan(1e-6);
      }
    },
  );
});

it('covers every golden case and k', () => {
  expect(golden.cases.map((c) => c.name)).toEqual([
    'random',
    'random_large_heldout',
    'foldin_on_top',
    'edge',
  ]);
  expect(golden.ks).toEqual([1, 5, 10, 20]);
});
