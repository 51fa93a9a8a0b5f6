import { csrColumnCounts, csrNnz, csrRowLength, type Csr } from './csr';

/**
 * The paper's filter_triplets: items with fewer than `minItemCount` users go
 * first (counted over all users), then users with fewer than `minUserCount`
 * of the remaining items. Users left with no item at all are always dropped.
 * Returns the matrix without the rare items (same row and column numbering)
 * and the kept rows in ascending order. Typed arrays only, counted before
 * allocating: MSD has 48M triplets and must not pass through JS arrays.
 */
export function filterCounts(
  m: Csr,
  minItemCount: number,
  minUserCount: number,
): { matrix: Csr; keptUsers: Int32Array } {
  const matrix = minItemCount > 0 ? dropRareItems(m, minItemCount) : m;
  const minItems = Math.max(1, minUserCount);
  let nKept = 0;
  for (let r = 0; r < matrix.nRows; r++) if (csrRowLength(matrix, r) >= minItems) nKept++;
  const keptUsers = new Int32Array(nKept);
  for (let r = 0, k = 0; r < matrix.nRows; r++) if (csrRowLength(matrix, r) >= minItems) keptUsers[k++] = r;
  return { matrix, keptUsers };
}

function dropRareItems(m: Csr, minItemCount: number): Csr {
  const counts = csrColumnCounts(m);
  const nnz = csrNnz(m);
  let kept = 0;
  for (let p = 0; p < nnz; p++) if (counts[m.indices[p]] >= minItemCount) kept++;
  const indptr = new Int32Array(m.nRows + 1);
  const indices = new Int32Array(kept);
  let out = 0;
  for (let r = 0; r < m.nRows; r++) {
    // Rows stay sorted and duplicate-free: filtering keeps the order.
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      if (counts[m.indices[p]] >= minItemCount) indices[out++] = m.indices[p];
    }
    indptr[r + 1] = out;
  }
  return { nRows: m.nRows, nCols: m.nCols, indptr, indices };
}

/** Events and distinct items of the given rows. */
export function countRows(m: Csr, rows: Int32Array): { events: number; items: number } {
  const seen = new Uint8Array(m.nCols);
  let events = 0;
  let items = 0;
  for (const r of rows) {
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      events++;
      if (!seen[m.indices[p]]) {
        seen[m.indices[p]] = 1;
        items++;
      }
    }
  }
  return { events, items };
}
