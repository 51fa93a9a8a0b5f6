import { jsMatMul, type MatMul } from './matmul';

export interface InverseOptions {
  /** The product the large block updates go through (default: the JavaScript reference). */
  readonly matMul?: MatMul;
  /** Pivot block size: the small diagonal blocks inverted in JavaScript (default 256). */
  readonly blockSize?: number;
  /** Rows per stripe of the trailing update: bounds the temporaries to 2 x stripe x n floats (default 2048). */
  readonly stripeRows?: number;
}

/**
 * Inverts a symmetric positive definite n x n matrix in place (row-major
 * float32) by blocked Gauss-Jordan elimination without pivoting, which is
 * stable for SPD matrices (it is the sweep operator). For each pivot block
 * k of b rows:
 *   P    = A_kk^-1                   (b x b, in float64 JavaScript: O(b^3))
 *   A_kj = P A_kj          j != k    (one b x b x n product)
 *   A_ij = A_ij - A_ik A_kj  i, j != k  (stripes of rows: h x b x n products)
 *   A_ik = -A_ik P         i != k
 *   A_kk = P
 * so nearly all of the 2 n^3 flops are in `matMul` calls. Memory beyond the
 * matrix itself: the b x n pivot row panel, the n x b column panel and one
 * stripe's product.
 */
export async function invertSpdInPlace(a: Float32Array, n: number, opts: InverseOptions = {}): Promise<void> {
  if (a.length !== n * n)
    throw new Error(`invert: the matrix holds ${a.length} values, expected ${n} x ${n}`);
  const matMul = opts.matMul ?? jsMatMul;
  const bs = Math.max(1, Math.min(opts.blockSize ?? 256, n));
  const stripe = Math.max(1, opts.stripeRows ?? 2048);
  for (let k0 = 0; k0 < n; k0 += bs) {
    const b = Math.min(bs, n - k0);
    const pivot = invertSmallSpd(block(a, n, k0, k0, b, b), b, k0);
    // Row panel A_k: (b x n), then P A_k: (b x n).
    const rowPanel = await matMul(pivot, block(a, n, k0, 0, b, n), b, b, n);
    // Column panel A_:k (n x b), the values before this step.
    const colPanel = block(a, n, 0, k0, n, b);
    for (let i0 = 0; i0 < n; i0 += stripe) {
      const h = Math.min(stripe, n - i0);
      const update = await matMul(colPanel.subarray(i0 * b, (i0 + h) * b), rowPanel, h, b, n);
      for (let i = i0; i < i0 + h; i++) {
        if (i >= k0 && i < k0 + b) continue; // the pivot rows take P A_k below
        const row = i * n;
        const u = (i - i0) * n;
        for (let j = 0; j < k0; j++) a[row + j] -= update[u + j];
        for (let j = k0 + b; j < n; j++) a[row + j] -= update[u + j];
      }
    }
    // A_ik = -A_ik P (i outside the pivot block): one n x b x b product.
    const colTimesP = await matMul(colPanel, pivot, n, b, b);
    for (let i = 0; i < n; i++) {
      if (i >= k0 && i < k0 + b) continue;
      for (let j = 0; j < b; j++) a[i * n + k0 + j] = -colTimesP[i * b + j];
    }
    // The pivot rows: P A_kj off the block, P on it.
    for (let i = 0; i < b; i++) {
      const row = (k0 + i) * n;
      a.set(rowPanel.subarray(i * n, i * n + k0), row);
      a.set(rowPanel.subarray(i * n + k0 + b, (i + 1) * n), row + k0 + b);
      for (let j = 0; j < b; j++) a[row + k0 + j] = pivot[i * b + j];
    }
  }
}

/** A copy of the rows x cols block of the n-wide matrix `a` at (r0, c0). */
function block(a: Float32Array, n: number, r0: number, c0: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) out.set(a.subarray((r0 + i) * n + c0, (r0 + i) * n + c0 + cols), i * cols);
  return out;
}

/**
 * Inverse of a small SPD block by Cholesky in float64 (L L^T = A, then
 * A^-1 = L^-T L^-1). Throws when the block is not positive definite (a
 * matrix that was not SPD, or lost it to rounding).
 */
export function invertSmallSpd(block32: Float32Array, b: number, offset = 0): Float32Array {
  const l = new Float64Array(b * b);
  for (let j = 0; j < b; j++) {
    let d = block32[j * b + j];
    for (let p = 0; p < j; p++) d -= l[j * b + p] * l[j * b + p];
    if (!(d > 0))
      throw new Error(`invert: the matrix is not positive definite (pivot ${offset + j} is ${d})`);
    const ljj = Math.sqrt(d);
    l[j * b + j] = ljj;
    for (let i = j + 1; i < b; i++) {
      let s = block32[i * b + j];
      for (let p = 0; p < j; p++) s -= l[i * b + p] * l[j * b + p];
      l[i * b + j] = s / ljj;
    }
  }
  // Linv = L^-1 (lower triangular), by forward substitution column by column.
  const linv = new Float64Array(b * b);
  for (let c = 0; c < b; c++) {
    linv[c * b + c] = 1 / l[c * b + c];
    for (let i = c + 1; i < b; i++) {
      let s = 0;
      for (let p = c; p < i; p++) s -= l[i * b + p] * linv[p * b + c];
      linv[i * b + c] = s / l[i * b + i];
    }
  }
  // A^-1 = Linv^T Linv, symmetric.
  const out = new Float32Array(b * b);
  for (let i = 0; i < b; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = i; p < b; p++) s += linv[p * b + i] * linv[p * b + j];
      out[i * b + j] = out[j * b + i] = s;
    }
  return out;
}
