import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csrFromRows } from '../../src/data/csr';
import { rankingMetrics } from '../../src/metrics/ranking';
import { SHARED_DIR } from '../support/paths';

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

const golden = JSON.parse(readFileSync(join(SHARED_DIR, 'golden', 'metrics.json'), 'utf8')) as {
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
