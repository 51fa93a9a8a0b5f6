import { IntColumn } from './columns';
import type { Csr } from './csr';
import type { HeldOutSplit } from './dataset';
import type { Rng } from '../runtime/rng';

/**
 * The held-out users' rows over the training item set, each split into
 * fold-in and held-out as the paper's split_train_test_proportion: a user
 * with n >= 5 items gets floor(fraction * n) random items held out, the
 * rest fold-in; a user with fewer keeps everything as fold-in. Users left
 * with no training item at all are dropped. `itemMap[raw]` is the training
 * index of a raw item, or -1.
 */
export function heldOutSplit(
  matrix: Csr,
  users: ArrayLike<number>,
  userIds: readonly string[],
  itemMap: Int32Array,
  nItems: number,
  fraction: number,
  rng: Rng,
): HeldOutSplit {
  // Growable typed columns: 50,000 MSD users x dozens of items would be millions of boxed numbers otherwise.
  const fiPtr = new IntColumn();
  const hoPtr = new IntColumn();
  const fi = new IntColumn();
  const ho = new IntColumn();
  fiPtr.push(0);
  hoPtr.push(0);
  const ids: string[] = [];
  for (let k = 0; k < users.length; k++) {
    const u = users[k];
    const items: number[] = [];
    for (let p = matrix.indptr[u]; p < matrix.indptr[u + 1]; p++) {
      const mapped = itemMap[matrix.indices[p]];
      if (mapped >= 0) items.push(mapped);
    }
    if (items.length === 0) continue;
    items.sort((a, b) => a - b);
    const nHeld = items.length >= 5 ? Math.floor(fraction * items.length) : 0;
    const held = new Uint8Array(items.length);
    // Partial Fisher-Yates over positions: the first nHeld of a random permutation.
    const pos = Array.from(items.keys());
    for (let j = 0; j < nHeld; j++) {
      const r = j + rng.int(pos.length - j);
      [pos[j], pos[r]] = [pos[r], pos[j]];
      held[pos[j]] = 1;
    }
    items.forEach((item, j) => (held[j] ? ho : fi).push(item));
    fiPtr.push(fi.length);
    hoPtr.push(ho.length);
    ids.push(userIds[u]);
  }
  const csr = (ptr: IntColumn, idx: IntColumn): Csr => ({
    nRows: ids.length,
    nCols: nItems,
    indptr: ptr.view().slice(),
    indices: idx.view().slice(),
  });
  return { foldIn: csr(fiPtr, fi), heldOut: csr(hoPtr, ho), userIds: ids };
}
