import type { Csr } from '../data/csr';
import type { Rng } from '../runtime/rng';

/**
 * The model input of a minibatch, kept sparse: row b's nonzeros are
 * `items[rowPtr[b] .. rowPtr[b+1])` with `values`. The paper's code feeds
 * l2_normalize(x) through dropout, so each kept entry of a user with n items
 * is (1 / sqrt(n)) / keepProb and dropped entries are simply left out.
 */
export interface SparseInput {
  readonly rows: number;
  readonly rowPtr: Int32Array;
  readonly items: Int32Array;
  readonly values: Float32Array;
}

/**
 * Builds the input of the users `batch` (a Csr of their raw binary rows).
 * With `dropout`, each entry is kept with probability keepProb, drawn from rng
 * in row order, so the same rng state gives the same mask.
 */
export function buildSparseInput(batch: Csr, dropout?: { keepProb: number; rng: Rng }): SparseInput {
  const n = batch.nRows;
  const rowPtr = new Int32Array(n + 1);
  const nnz = batch.indptr[n];
  const items = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  const keep = dropout?.keepProb ?? 1;
  let out = 0;
  for (let r = 0; r < n; r++) {
    const start = batch.indptr[r];
    const end = batch.indptr[r + 1];
    // An empty row normalises to zeros (TF's l2_normalize clamps the norm).
    const value = end > start ? 1 / Math.sqrt(end - start) / keep : 0;
    for (let k = start; k < end; k++) {
      if (dropout && keep < 1 && dropout.rng.float() >= keep) continue;
      items[out] = batch.indices[k];
      values[out] = value;
      out++;
    }
    rowPtr[r + 1] = out;
  }
  return { rows: n, rowPtr, items: items.subarray(0, out), values: values.subarray(0, out) };
}
