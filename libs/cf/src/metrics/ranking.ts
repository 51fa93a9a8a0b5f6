import { csrRow, type Csr } from '../data/csr';
import { topKSkipping } from './top-k';

/** Per-user metrics of a batch: `ndcg[k][u]`, `recall[k][u]`; NaN for a user with no held-out items. */
export interface BatchMetrics {
  readonly ndcg: Record<number, Float64Array>;
  readonly recall: Record<number, Float64Array>;
}

/**
 * NDCG@k and Recall@k of each user, as the paper's code computes them
 * (NDCG_binary_at_k_batch, Recall_at_k_batch): the user's fold-in items are
 * removed from the ranking first; with n held-out items,
 *   NDCG@k   = sum_{r<=k} hit_r / log2(r + 1)  /  sum_{r<=min(n,k)} 1 / log2(r + 1)
 *   Recall@k = hits in the top k / min(k, n).
 * `scores` is row-major [users x nItems] for the users of foldIn/heldOut (same rows).
 */
export function rankingMetrics(
  scores: ArrayLike<number>,
  foldIn: Csr,
  heldOut: Csr,
  ks: readonly number[],
): BatchMetrics {
  const users = foldIn.nRows;
  const nItems = foldIn.nCols;
  if (heldOut.nRows !== users)
    throw new Error(`fold-in has ${users} users but held-out has ${heldOut.nRows}`);
  if (scores.length !== users * nItems)
    throw new Error(`scores hold ${scores.length} values, expected ${users} x ${nItems}`);
  for (const k of ks)
    if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  const kMax = Math.max(...ks);
  const discount = Float64Array.from({ length: kMax }, (_, r) => 1 / Math.log2(r + 2));
  const ndcg: Record<number, Float64Array> = {};
  const recall: Record<number, Float64Array> = {};
  for (const k of ks) {
    ndcg[k] = new Float64Array(users);
    recall[k] = new Float64Array(users);
  }
  const relevant = new Uint8Array(nItems);
  for (let u = 0; u < users; u++) {
    const hoStart = heldOut.indptr[u];
    const n = heldOut.indptr[u + 1] - hoStart;
    if (n === 0) {
      for (const k of ks) ndcg[k][u] = recall[k][u] = NaN;
      continue;
    }
    for (let p = hoStart; p < hoStart + n; p++) relevant[heldOut.indices[p]] = 1;
    // Fold-in items are skipped, i.e. ranked as if -Infinity (the paper's code sets them to -inf).
    const ranked = topKSkipping(scores, u * nItems, nItems, kMax, csrRow(foldIn, u));
    for (const k of ks) {
      let dcg = 0;
      let hits = 0;
      for (let r = 0; r < Math.min(k, ranked.length); r++) {
        if (relevant[ranked[r]]) {
          dcg += discount[r];
          hits++;
        }
      }
      let idcg = 0;
      for (let r = 0; r < Math.min(n, k); r++) idcg += discount[r];
      ndcg[k][u] = dcg / idcg;
      recall[k][u] = hits / Math.min(k, n);
    }
    for (let p = hoStart; p < hoStart + n; p++) relevant[heldOut.indices[p]] = 0;
  }
  return { ndcg, recall };
}
