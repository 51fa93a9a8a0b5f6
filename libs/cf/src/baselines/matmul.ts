/**
 * A dense matrix product C = A B, row-major float32: `a` is m x k, `b` is
 * k x n, the result m x n. EASE's inverse (spd-inverse.ts) does its O(n^3)
 * work through one of these, so that a native engine's GEMM can carry it.
 *
 * Injection point: callers pass the engine's GEMM (libs/engine `gemmOn`:
 * native on onnxruntime) through `InverseOptions.matMul` /
 * `BaselineOptions.matMul`; `jsMatMul` below is the reference (the tests')
 * and the default.
 */
export type MatMul = (
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
) => Float32Array | Promise<Float32Array>;

/**
 * The reference product in plain JavaScript, i-k-j order (the inner loop runs
 * along rows of `b` and `c`), four rows of `c` at a time so that each value
 * of `b` loaded serves four multiply-adds (about twice the plain loop's
 * speed). Correct for any shape; fine for tests and catalogues of a few
 * thousand items, slow (a few GFLOP/s at best) beyond.
 */
export function jsMatMul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  if (a.length !== m * k) throw new Error(`matMul: a holds ${a.length} values, expected ${m} x ${k}`);
  if (b.length !== k * n) throw new Error(`matMul: b holds ${b.length} values, expected ${k} x ${n}`);
  const c = new Float32Array(m * n);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const c0 = i * n;
    const c1 = c0 + n;
    const c2 = c1 + n;
    const c3 = c2 + n;
    for (let p = 0; p < k; p++) {
      const a0 = a[i * k + p];
      const a1 = a[(i + 1) * k + p];
      const a2 = a[(i + 2) * k + p];
      const a3 = a[(i + 3) * k + p];
      const bp = p * n;
      for (let j = 0; j < n; j++) {
        const bj = b[bp + j];
        c[c0 + j] += a0 * bj;
        c[c1 + j] += a1 * bj;
        c[c2 + j] += a2 * bj;
        c[c3 + j] += a3 * bj;
      }
    }
  }
  for (; i < m; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
    }
  }
  return c;
}
