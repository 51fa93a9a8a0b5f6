import { csrRow, type Csr } from '../data/csr';
import type { Scorer } from '../eval/evaluate';
import { gramPlusDiagonal } from './gram';
import { type InverseOptions, invertSpdInPlace } from './spd-inverse';

/** EASE's L2 weights tried on the validation users when none is given (Steck 2019 reports hundreds). */
export const EASE_LAMBDA_GRID: readonly number[] = [10, 50, 100, 200, 500, 1000, 2000];

/** Bytes EASE holds for a catalogue: the items x items weight matrix, plus the inverse's panels and a scoring batch. */
export function easeMemoryBytes(nItems: number, evalBatch = 1000): number {
  const panels = 2 * 256 * nItems + 2048 * nItems; // pivot row and column panels, one stripe's product
  return 4 * (nItems * nItems + panels + evalBatch * nItems);
}

/**
 * EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW
 * 2019): with P = (X^T X + lambda I)^-1, the item-item weights are
 *   B = I - P diagMat(1 / diag(P)),   i.e. B_ij = -P_ij / P_jj, B_jj = 0,
 * and a user's scores are x_u B. G becomes P then B in place: one items x
 * items float32 matrix in all.
 */
export async function fitEase(train: Csr, lambda: number, opts: InverseOptions = {}): Promise<EaseScorer> {
  if (!(lambda > 0) || !Number.isFinite(lambda))
    throw new Error(`EASE: lambda must be a positive number, got ${lambda}`);
  const n = train.nCols;
  const w = gramPlusDiagonal(train, lambda);
  await invertSpdInPlace(w, n, opts);
  weightsFromInverse(w, n);
  return new EaseScorer(w, n);
}

/** P -> B in place: B_ij = -P_ij / P_jj off the diagonal, 0 on it. */
export function weightsFromInverse(p: Float32Array, n: number): void {
  const invDiag = new Float64Array(n);
  for (let j = 0; j < n; j++) invDiag[j] = 1 / p[j * n + j];
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) p[row + j] = i === j ? 0 : -p[row + j] * invDiag[j];
  }
}

/** Scores x_u B: the sum of B's rows over the user's fold-in items (sparse, O(items of the batch x n)). */
export class EaseScorer implements Scorer {
  constructor(
    /** B, row-major items x items. */
    readonly weights: Float32Array,
    readonly nItems: number,
  ) {}

  score(foldIn: Csr): Float32Array {
    const n = this.nItems;
    if (foldIn.nCols !== n) throw new Error(`EASE: fold-in has ${foldIn.nCols} items, the model ${n}`);
    const out = new Float32Array(foldIn.nRows * n);
    for (let r = 0; r < foldIn.nRows; r++) {
      const dst = out.subarray(r * n, (r + 1) * n);
      for (const item of csrRow(foldIn, r)) {
        const src = this.weights.subarray(item * n, (item + 1) * n);
        for (let j = 0; j < n; j++) dst[j] += src[j];
      }
    }
    return out;
  }
}
