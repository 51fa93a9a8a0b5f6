/**
 * Straight transcriptions of the paper's NDCG_binary_at_k_batch and
 * Recall_at_k_batch for one user (fold-in set to -inf, full sort), slow on
 * purpose: the fast selection is checked against them on random rows. The
 * paper uses argpartition, whose tie order is unspecified; here ties go to the
 * lower item index, as in the library. NaN sorts as -inf.
 */
export function referenceRanking(scores: ArrayLike<number>, foldIn: Iterable<number>): number[] {
  const masked = Array.from(scores, (s) => (Number.isNaN(s) ? -Infinity : s));
  const excluded = new Set(foldIn);
  return masked
    .map((s, i) => ({ s, i }))
    .filter(({ i }) => !excluded.has(i))
    .sort((a, b) => (a.s > b.s ? -1 : a.s < b.s ? 1 : a.i - b.i))
    .map(({ i }) => i);
}

export function referenceMetrics(
  scores: ArrayLike<number>,
  foldIn: Iterable<number>,
  heldOut: readonly number[],
  k: number,
): { ndcg: number; recall: number } {
  const n = heldOut.length;
  if (n === 0) return { ndcg: NaN, recall: NaN };
  const relevant = new Set(heldOut);
  const top = referenceRanking(scores, foldIn).slice(0, k);
  let dcg = 0;
  let hits = 0;
  top.forEach((item, r) => {
    if (relevant.has(item)) {
      dcg += 1 / Math.log2(r + 2);
      hits++;
    }
  });
  let idcg = 0;
  for (let r = 0; r < Math.min(n, k); r++) idcg += 1 / Math.log2(r + 2);
  return { ndcg: dcg / idcg, recall: hits / Math.min(k, n) };
}
