/**
 * A binary user x item matrix in compressed sparse row form: the items of row
 * `r` are `indices[indptr[r] .. indptr[r + 1])`, sorted ascending, no
 * duplicates. Values are implicit (every stored entry is a 1).
 */
export interface Csr {
  readonly nRows: number;
  readonly nCols: number;
  /** Length nRows + 1; indptr[0] = 0, indptr[nRows] = nnz. */
  readonly indptr: Int32Array;
  /** Length nnz; column (item) indices. */
  readonly indices: Int32Array;
}

export function csrNnz(m: Csr): number {
  return m.indptr[m.nRows];
}

/** The item indices of one row, as a view (no copy). */
export function csrRow(m: Csr, row: number): Int32Array {
  return m.indices.subarray(m.indptr[row], m.indptr[row + 1]);
}

export function csrRowLength(m: Csr, row: number): number {
  return m.indptr[row + 1] - m.indptr[row];
}

/**
 * Builds a CSR matrix from parallel (row, col) arrays. Duplicate pairs are
 * merged; rows come out sorted. Runs in O(nnz + nRows) plus per-row sorting.
 */
export function csrFromPairs(nRows: number, nCols: number, rows: Int32Array, cols: Int32Array): Csr {
  if (rows.length !== cols.length)
    throw new Error(`csrFromPairs: ${rows.length} rows vs ${cols.length} cols`);
  const counts = new Int32Array(nRows + 1);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    if (r < 0 || r >= nRows) throw new Error(`csrFromPairs: row ${r} outside [0, ${nRows})`);
    const c = cols[k];
    if (c < 0 || c >= nCols) throw new Error(`csrFromPairs: column ${c} outside [0, ${nCols})`);
    counts[r + 1]++;
  }
  for (let r = 0; r < nRows; r++) counts[r + 1] += counts[r];
  const fill = counts.slice(0, nRows);
  const raw = new Int32Array(rows.length);
  for (let k = 0; k < rows.length; k++) raw[fill[rows[k]]++] = cols[k];
  // Sort and de-duplicate each row in place, then compact.
  const indptr = new Int32Array(nRows + 1);
  let out = 0;
  for (let r = 0; r < nRows; r++) {
    const row = raw.subarray(counts[r], counts[r + 1]).sort();
    indptr[r] = out;
    for (let k = 0; k < row.length; k++) {
      if (k > 0 && row[k] === row[k - 1]) continue;
      raw[out++] = row[k];
    }
  }
  indptr[nRows] = out;
  return { nRows, nCols, indptr, indices: raw.slice(0, out) };
}

/** Builds a CSR matrix from one item list per row (each list any order, may repeat). */
export function csrFromRows(nCols: number, rows: ArrayLike<number>[]): Csr {
  let nnz = 0;
  for (const r of rows) nnz += r.length;
  const rr = new Int32Array(nnz);
  const cc = new Int32Array(nnz);
  let k = 0;
  rows.forEach((items, r) => {
    for (let j = 0; j < items.length; j++, k++) {
      rr[k] = r;
      cc[k] = items[j];
    }
  });
  return csrFromPairs(rows.length, nCols, rr, cc);
}

/** A new CSR holding the given rows of `m`, in the given order. */
export function csrSelectRows(m: Csr, rows: ArrayLike<number>): Csr {
  const indptr = new Int32Array(rows.length + 1);
  for (let k = 0; k < rows.length; k++) indptr[k + 1] = indptr[k] + csrRowLength(m, rows[k]);
  const indices = new Int32Array(indptr[rows.length]);
  for (let k = 0; k < rows.length; k++) indices.set(csrRow(m, rows[k]), indptr[k]);
  return { nRows: rows.length, nCols: m.nCols, indptr, indices };
}

/** Number of users (rows) per item (column). */
export function csrColumnCounts(m: Csr): Int32Array {
  const counts = new Int32Array(m.nCols);
  const nnz = csrNnz(m);
  for (let k = 0; k < nnz; k++) counts[m.indices[k]]++;
  return counts;
}

/** Rows [start, end) of `m` as a Csr sharing its indices buffer (no copy of the items). */
export function csrRowRange(m: Csr, start: number, end: number): Csr {
  if (start < 0 || end > m.nRows || start > end)
    throw new Error(`csrRowRange: [${start}, ${end}) outside [0, ${m.nRows}]`);
  const base = m.indptr[start];
  const indptr = new Int32Array(end - start + 1);
  for (let r = start; r <= end; r++) indptr[r - start] = m.indptr[r] - base;
  return { nRows: end - start, nCols: m.nCols, indptr, indices: m.indices.subarray(base, m.indptr[end]) };
}
