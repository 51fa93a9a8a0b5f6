/** dst = src^T for a row-major [rows x cols] src, in 64 x 64 tiles so that both sides stay in cache. */
export function transposeInto(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  const T = 64;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(r0 + T, rows);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(c0 + T, cols);
      for (let r = r0; r < r1; r++) {
        const o = r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[o + c];
      }
    }
  }
}
