/**
 * A dense matrix product C = A B, row-major float32: `a` is m x k, `b` is
 * k x n, the result m x n. EASE's inverse (spd-inverse.ts) does its O(n^3)
 * work through one of these, so that a native engine's GEMM can carry it.
 *
 * Injection point: `jsMatMul` below is the reference and the default. The
 * native engine (libs/engine, ONNX Runtime) passes its own GEMM here through
 * `EaseOptions.matMul` / `BaselineOptions.matMul`; nothing else changes.
 */
export type MatMul = (
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
) => Float32Array | Promise<Float32Array>;

/**
 * The reference product in plain JavaScript (i-k-j order, so the inner loop
 * runs along rows of `b` and `c`). Correct for any shape; fine for tests and
 * small catalogues, slow (about 1 GFLOP/s) for large ones.
 */
export function jsMatMul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  if (a.length !== m * k) throw new Error(`matMul: a holds ${a.length} values, expected ${m} x ${k}`);
  if (b.length !== k * n) throw new Error(`matMul: b holds ${b.length} values, expected ${k} x ${n}`);
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const row = c.subarray(i * n, (i + 1) * n);
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      const bRow = p * n;
      for (let j = 0; j < n; j++) row[j] += aip * b[bRow + j];
    }
  }
  return c;
}
