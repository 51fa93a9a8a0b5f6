import type { HeldOutSplit } from '../data/dataset';

/**
 * Throws if any user's fold-in and held-out items overlap: such an item is shown
 * to the model and masked out of its ranking, so it can never count as a hit
 * and the metrics would be quietly biased. Rows are sorted (Csr contract), so a
 * merge walk per user suffices.
 */
export function assertDisjointSplit(split: HeldOutSplit, name = 'split'): void {
  const { foldIn: a, heldOut: b } = split;
  if (a.nRows !== b.nRows) throw new Error(`${name}: fold-in has ${a.nRows} users, held-out ${b.nRows}`);
  if (a.nCols !== b.nCols) throw new Error(`${name}: fold-in has ${a.nCols} items, held-out ${b.nCols}`);
  for (let u = 0; u < a.nRows; u++) {
    let p = a.indptr[u];
    let q = b.indptr[u];
    while (p < a.indptr[u + 1] && q < b.indptr[u + 1]) {
      const x = a.indices[p];
      const y = b.indices[q];
      if (x === y)
        throw new Error(`${name}: user ${split.userIds[u] ?? u} has item ${x} in both fold-in and held-out`);
      if (x < y) p++;
      else q++;
    }
  }
}

/** Throws if a held-out user is also a training user (the paper's protocol is strong generalization: unseen users). */
export function assertNoUserLeak(trainUserIds: readonly string[], split: HeldOutSplit, name = 'split'): void {
  const train = new Set(trainUserIds);
  for (const id of split.userIds)
    if (train.has(id)) throw new Error(`${name}: held-out user ${id} also appears in training`);
}
