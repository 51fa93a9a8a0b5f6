import { csrRow, type Csr } from '../data/csr';
import { TopKSelector } from './top-k';

/** Per-user metrics of a batch: `ndcg[k][u]`, `recall[k][u]`; NaN for a user with no held-out items. */
export interface BatchMetrics {
  readonly ndcg: Record<number, Float64Array>;
  readonly recall: Record<number, Float64Array>;
}

/**
 * NDCG@k and Recall@k of each user, as the paper's code computes them
 * (NDCG_binary_at_k_batch, Recall_at_k_batch): the user's fold-in items are
 * removed from the ranking first (the paper sets them to -inf); with n
 * held-out items and rank r = 1, 2, ... over the remaining items,
 *   NDCG@k   = sum_{r<=k} hit_r / log2(r + 1)  /  sum_{r<=min(n,k)} 1 / log2(r + 1)
 *   Recall@k = hits in the top k / min(k, n).
 * Ties rank the lower item index first; NaN scores rank as -Infinity (see top-k.ts).
 * One top-max(ks) selection per user serves every k.
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
  if (heldOut.nRows !== users || heldOut.nCols !== nItems)
    throw new Error(
      `fold-in is ${users} x ${nItems} but held-out is ${heldOut.nRows} x ${heldOut.nCols} (users x items)`,
    );
  if (scores.length !== users * nItems)
    throw new Error(`scores hold ${scores.length} values, expected ${users} x ${nItems}`);
  if (ks.length === 0) throw new Error('ks must name at least one cutoff');
  for (const k of ks)
    if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  const kMax = Math.max(...ks);
  const discount = Float64Array.from({ length: kMax }, (_, r) => 1 / Math.log2(r + 2));
  // idealDcg[m] = DCG of m hits at ranks 1..m.
  const idealDcg = new Float64Array(kMax + 1);
  for (let m = 0; m < kMax; m++) idealDcg[m + 1] = idealDcg[m] + discount[m];

  const ndcg: Record<number, Float64Array> = {};
  const recall: Record<number, Float64Array> = {};
  for (const k of ks) {
    ndcg[k] = new Float64Array(users);
    recall[k] = new Float64Array(users);
  }
  const selector = new TopKSelector(kMax);
  const relevant = new Uint8Array(nItems);
  const hitRanks = new Int32Array(kMax);
  for (let u = 0; u < users; u++) {
    const held = csrRow(heldOut, u);
    const n = held.length;
    if (n === 0) {
      for (const k of ks) ndcg[k][u] = recall[k][u] = NaN;
      continue;
    }
    for (let p = 0; p < n; p++) relevant[held[p]] = 1;
    selector.select(scores, u * nItems, nItems, csrRow(foldIn, u));
    const hits = rankHits(selector, relevant, hitRanks);
    for (let p = 0; p < n; p++) relevant[held[p]] = 0;
    for (const k of ks) {
      let dcg = 0;
      let found = 0;
      for (let h = 0; h < hits; h++) {
        if (hitRanks[h] < k) {
          dcg += discount[hitRanks[h]];
          found++;
        }
      }
      ndcg[k][u] = dcg / idealDcg[Math.min(n, k)];
      recall[k][u] = found / Math.min(k, n);
    }
  }
  return { ndcg, recall };
}

/**
 * The 0-based ranks of the held-out items among the selected ones, sorted
 * ascending (so DCG sums in rank order, as the paper's code does). Ranking only
 * the few hits costs less than sorting the whole selection.
 */
function rankHits(sel: TopKSelector, relevant: Uint8Array, out: Int32Array): number {
  const { items, vals, size } = sel;
  let hits = 0;
  for (let p = 0; p < size; p++) {
    const item = items[p];
    if (relevant[item] === 0) continue;
    const v = vals[p];
    let rank = 0;
    for (let q = 0; q < size; q++) {
      const w = vals[q];
      if (w > v || (w === v && items[q] < item)) rank++;
    }
    out[hits++] = rank;
  }
  out.subarray(0, hits).sort();
  return hits;
}
