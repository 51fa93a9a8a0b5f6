import { csrRow, type Csr } from '../data/csr';

/**
 * G = X^T X + lambda I for a binary user x item matrix, dense row-major
 * float32 (items x items), computed from the CSR: each user adds 1 to
 * G[i][j] for every pair of its items, O(sum of squared row lengths) with
 * no multiplications. Counts are exact in float32 up to 2^24 users.
 */
export function gramPlusDiagonal(x: Csr, lambda: number, out?: Float32Array): Float32Array {
  const n = x.nCols;
  const g = out ?? new Float32Array(n * n);
  if (g.length !== n * n) throw new Error(`gram: out holds ${g.length} values, expected ${n} x ${n}`);
  if (out) g.fill(0);
  for (let u = 0; u < x.nRows; u++) {
    const items = csrRow(x, u);
    for (let p = 0; p < items.length; p++) {
      const row = items[p] * n;
      for (let q = 0; q < items.length; q++) g[row + items[q]] += 1;
    }
  }
  for (let i = 0; i < n; i++) g[i * n + i] += lambda;
  return g;
}
