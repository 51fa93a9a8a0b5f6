import { csrFromRows, type Csr } from '../../src/data/csr';
import type { HeldOutSplit } from '../../src/data/dataset';
import type { Scorer } from '../../src/eval/evaluate';
import { Rng } from '../../src/runtime/rng';

/** A scorer whose scores depend on each user's fold-in items only, so batching cannot change them. */
export const hashScorer: Scorer = {
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

/** Random split; every 9th user (0, 9, 18, ...) has no held-out items. */
export function randomSplit(seed: number, users: number, items: number): HeldOutSplit {
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

/**
 * Serves the rows of a fixed [users x items] score matrix in call order:
 * evaluate() asks for batches front to back, so a cursor finds the rows.
 */
export function matrixScorer(scores: Float32Array, nItems: number): Scorer & { calls: number[] } {
  let cursor = 0;
  const calls: number[] = [];
  return {
    calls,
    async score(foldIn: Csr) {
      calls.push(foldIn.nRows);
      const out = scores.slice(cursor * nItems, (cursor + foldIn.nRows) * nItems);
      cursor += foldIn.nRows;
      return out;
    },
  };
}
