import { gemmOn } from '@vaecf/engine';
import { describe, expect, it } from 'vitest';
import { csrFromRows, type Csr } from '../../src/data/csr';
import type { HeldOutSplit, PreparedDataset } from '../../src/data/dataset';
import { Rng } from '../../src/runtime/rng';
import { EaseScorer, fitEase, weightsFromInverse } from '../../src/baselines/ease';
import { fitBaseline } from '../../src/baselines/fit-baseline';
import { gramPlusDiagonal } from '../../src/baselines/gram';
import { jsMatMul } from '../../src/baselines/matmul';
import { invertSpdInPlace } from '../../src/baselines/spd-inverse';

import { testEngine } from '../support/tf';

/** The direct solve the blocked inverse is checked against: Gauss-Jordan with partial pivoting in float64. */
function gaussJordanInverse(a: ArrayLike<number>, n: number): Float64Array {
  const m = Float64Array.from(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[p * n + c])) p = r;
    for (let j = 0; j < n; j++) {
      [m[c * n + j], m[p * n + j]] = [m[p * n + j], m[c * n + j]];
      [inv[c * n + j], inv[p * n + j]] = [inv[p * n + j], inv[c * n + j]];
    }
    const d = m[c * n + c];
    for (let j = 0; j < n; j++) {
      m[c * n + j] /= d;
      inv[c * n + j] /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * n + c];
      for (let j = 0; j < n; j++) {
        m[r * n + j] -= f * m[c * n + j];
        inv[r * n + j] -= f * inv[c * n + j];
      }
    }
  }
  return inv;
}

function randomBinary(seed: number, users: number, items: number, density: number): Csr {
  const rng = Rng.fromSeed(seed);
  return csrFromRows(
    items,
    Array.from({ length: users }, () =>
      Array.from({ length: items }, (_, i) => i).filter(() => rng.float() < density),
    ),
  );
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('jsMatMul', () => {
  it('multiplies row-major matrices of any shape', () => {
    // [1 2 3; 4 5 6] x [1 0; 0 1; 1 1] = [4 5; 10 11]
    const c = jsMatMul(Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(1, 0, 0, 1, 1, 1), 2, 3, 2);
    expect(Array.from(c)).toEqual([4, 5, 10, 11]);
  });

  it('agrees with the plain triple loop for row counts that are and are not multiples of four', () => {
    const rng = Rng.fromSeed(2);
    for (const [m, k, n] of [
      [8, 5, 7],
      [7, 3, 9],
      [1, 4, 2],
    ]) {
      const a = Float32Array.from({ length: m * k }, () => rng.float() - 0.5);
      const b = Float32Array.from({ length: k * n }, () => rng.float() - 0.5);
      const c = jsMatMul(a, b, m, k, n);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
          expect(c[i * n + j]).toBeCloseTo(s, 5);
        }
    }
  });

  it('refuses operands of the wrong size', () => {
    expect(() => jsMatMul(new Float32Array(5), new Float32Array(6), 2, 3, 2)).toThrow(/a holds 5 values/);
  });
});

describe('gramPlusDiagonal', () => {
  it('is X^T X + lambda I', () => {
    const x = randomBinary(3, 20, 9, 0.3);
    const g = gramPlusDiagonal(x, 7);
    const dense = new Float64Array(20 * 9);
    for (let u = 0; u < 20; u++)
      for (let k = x.indptr[u]; k < x.indptr[u + 1]; k++) dense[u * 9 + x.indices[k]] = 1;
    for (let i = 0; i < 9; i++)
      for (let j = 0; j < 9; j++) {
        let s = i === j ? 7 : 0;
        for (let u = 0; u < 20; u++) s += dense[u * 9 + i] * dense[u * 9 + j];
        expect(g[i * 9 + j]).toBe(s);
      }
  });
});

describe('invertSpdInPlace (blocked Gauss-Jordan)', () => {
  // Block and stripe sizes that do not divide n exercise the ragged last block and stripe.
  it.each([
    { n: 37, blockSize: 8, stripeRows: 5 },
    { n: 37, blockSize: 256, stripeRows: 2048 },
    { n: 64, blockSize: 16, stripeRows: 64 },
    { n: 1, blockSize: 4, stripeRows: 4 },
  ])('matches a direct float64 solve (n $n, block $blockSize, stripe $stripeRows)', async (c) => {
    const g = gramPlusDiagonal(randomBinary(c.n, 3 * c.n, c.n, 0.2), 5);
    const expected = gaussJordanInverse(g, c.n);
    const calls: number[][] = [];
    const counting = (a: Float32Array, b: Float32Array, m: number, k: number, n: number) => {
      calls.push([m, k, n]);
      return jsMatMul(a, b, m, k, n);
    };
    await invertSpdInPlace(g, c.n, { ...c, matMul: counting });
    expect(maxAbsDiff(g, expected)).toBeLessThan(1e-5);
    // The block products go through the injected matMul: per pivot block, the row panel, the column panel and each stripe.
    const blocks = Math.ceil(c.n / Math.min(c.blockSize, c.n));
    expect(calls.length).toBe(blocks * (2 + Math.ceil(c.n / c.stripeRows)));
  });

  it("gives the same inverse through the engine's GEMM", async () => {
    const matMul = gemmOn(await testEngine());
    const g = gramPlusDiagonal(randomBinary(7, 120, 40, 0.2), 5);
    const expected = gaussJordanInverse(g, 40);
    await invertSpdInPlace(g, 40, { blockSize: 16, stripeRows: 24, matMul });
    expect(maxAbsDiff(g, expected)).toBeLessThan(1e-5);
  });

  it('says so when the matrix is not positive definite', async () => {
    await expect(invertSpdInPlace(Float32Array.of(1, 2, 2, 1), 2)).rejects.toThrow(/not positive definite/);
  });
});

describe('EASE', () => {
  it('B = I - P diagMat(1/diag(P)) with P = (X^T X + lambda I)^-1, diagonal zero', async () => {
    const x = randomBinary(11, 60, 23, 0.25);
    const lambda = 3;
    const p = gaussJordanInverse(gramPlusDiagonal(x, lambda), 23);
    const model = await fitEase(x, lambda, { blockSize: 6, stripeRows: 7 });
    for (let i = 0; i < 23; i++)
      for (let j = 0; j < 23; j++) {
        const expected = (i === j ? 1 : 0) - p[i * 23 + j] / p[j * 23 + j];
        expect(model.weights[i * 23 + j]).toBeCloseTo(expected, 4);
      }
    for (let i = 0; i < 23; i++) expect(model.weights[i * 23 + i]).toBe(0);
  });

  it('turns P into B: -P_ij / P_jj off the diagonal, 0 on it', () => {
    const p = Float32Array.of(2, 1, 0, 1, 4, 2, 0, 2, 8);
    weightsFromInverse(p, 3);
    expect(Array.from(p)).toEqual([0, -0.25, -0, -0.5, 0, -0.25, -0, -0.5, 0]);
  });

  it('scores x_u B, the sum of B over the fold-in items', () => {
    const b = Float32Array.of(0, 1, 2, 3, 0, 5, 6, 7, 0);
    const s = new EaseScorer(b, 3).score(csrFromRows(3, [[0, 2], [], [1]]));
    expect(Array.from(s)).toEqual([6, 8, 2, 0, 0, 0, 3, 0, 5]);
  });

  it('refuses a lambda that is not positive', async () => {
    await expect(fitEase(randomBinary(1, 5, 4, 0.5), 0)).rejects.toThrow(/lambda must be a positive number/);
  });
});

/** Users in 4 taste groups, each liking its own block of 10 items: popularity has nothing to go on, EASE everything. */
function groupedDataset(): PreparedDataset {
  const rng = Rng.fromSeed(5);
  const items = 40;
  const users = (n: number) =>
    Array.from({ length: n }, (_, u) => {
      const g = u % 4;
      return Array.from({ length: 10 }, (_, i) => g * 10 + i).filter(() => rng.float() < 0.7);
    });
  const split = (n: number, prefix: string): HeldOutSplit => {
    const rows = users(n);
    return {
      foldIn: csrFromRows(
        items,
        rows.map((r) => r.slice(0, Math.ceil(r.length * 0.8))),
      ),
      heldOut: csrFromRows(
        items,
        rows.map((r) => r.slice(Math.ceil(r.length * 0.8))),
      ),
      userIds: rows.map((_, k) => `${prefix}${k}`),
    };
  };
  return {
    nItems: items,
    train: csrFromRows(items, users(200)),
    trainUserIds: Array.from({ length: 200 }, (_, k) => `u${k}`),
    validation: split(40, 'v'),
    test: split(40, 't'),
    itemIds: Array.from({ length: items }, (_, k) => `i${k}`),
    meta: { formatVersion: 1, createdAt: new Date(0).toISOString() },
  };
}

describe('fitBaseline', () => {
  it('fits popularity and EASE on the same split; EASE picks lambda on validation and wins', async () => {
    const data = groupedDataset();
    const pop = await fitBaseline('popularity', data, { perUser: true });
    const ease = await fitBaseline('ease', data, { easeLambdas: [1, 10, 100], perUser: true });
    if (pop.status !== 'completed' || ease.status !== 'completed') throw new Error('a baseline was skipped');
    expect(ease.grid!.map((g) => g.lambda)).toEqual([1, 10, 100]);
    const bestOnValidation = Math.max(...ease.grid!.map((g) => g.validation.ndcg100));
    expect(ease.validation.ndcg100).toBe(bestOnValidation);
    expect(ease.grid!.find((g) => g.lambda === ease.lambda)!.validation.ndcg100).toBe(bestOnValidation);
    expect(ease.test.ndcg100).toBeGreaterThan(pop.test.ndcg100 + 0.1);
    expect(ease.test.perUser!.ndcg[100]).toHaveLength(40);
  });

  it('uses a fixed lambda when given one', async () => {
    const r = await fitBaseline('ease', groupedDataset(), { easeLambda: 42 });
    expect(r.status === 'completed' && r.lambda).toBe(42);
    expect(r.status === 'completed' && r.grid!.length).toBe(1);
  });

  it('skips EASE beyond the memory limit, with the reason', async () => {
    const r = await fitBaseline('ease', groupedDataset(), { memoryLimitBytes: 1000 });
    expect(r).toEqual({
      model: 'ease',
      status: 'skipped',
      reason: expect.stringMatching(
        /EASE needs about 1 MB for 40 items.*limit of 1 MB \(BASELINE_MEMORY_LIMIT_MB\)/,
      ),
    });
    // Popularity needs no items x items matrix.
    expect((await fitBaseline('popularity', groupedDataset(), { memoryLimitBytes: 1000 })).status).toBe(
      'completed',
    );
  });
});
