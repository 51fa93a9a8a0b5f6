import type { Csr } from '../../src/data/csr';
import type { HeldOutSplit, PreparedDataset } from '../../src/data/dataset';
import { randomCsr } from './tf';

/** Splits each row's items 80/20 into fold-in / held-out (the last fifth held out). */
function heldOutSplit(m: Csr, prefix: string): HeldOutSplit {
  const fi: number[][] = [];
  const ho: number[][] = [];
  for (let r = 0; r < m.nRows; r++) {
    const items = Array.from(m.indices.subarray(m.indptr[r], m.indptr[r + 1]));
    const cut = Math.ceil(items.length * 0.8);
    fi.push(items.slice(0, cut));
    ho.push(items.slice(cut));
  }
  const toCsr = (rows: number[][]): Csr => {
    const indptr = new Int32Array(rows.length + 1);
    rows.forEach((r, k) => (indptr[k + 1] = indptr[k] + r.length));
    return { nRows: rows.length, nCols: m.nCols, indptr, indices: Int32Array.from(rows.flat()) };
  };
  return {
    foldIn: toCsr(fi),
    heldOut: toCsr(ho),
    userIds: Array.from({ length: m.nRows }, (_, k) => `${prefix}${k}`),
  };
}

/** A small random dataset for fast mechanical tests (no structure to learn). */
export function tinyDataset(seed = 1, users = 120, items = 50): PreparedDataset {
  const train = randomCsr(seed, users, items, 15);
  return {
    nItems: items,
    train,
    trainUserIds: Array.from({ length: users }, (_, k) => `u${k}`),
    validation: heldOutSplit(randomCsr(seed + 1, 30, items, 15), 'v'),
    test: heldOutSplit(randomCsr(seed + 2, 30, items, 15), 't'),
    itemIds: Array.from({ length: items }, (_, k) => `i${k}`),
    meta: { formatVersion: 1, createdAt: new Date(0).toISOString() },
  };
}
