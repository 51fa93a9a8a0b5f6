import { describe, expect, it } from 'vitest';
import { transposeInto } from '../src/tfjs/transpose';

describe('transposeInto', () => {
  it('transposes in tiles, ragged edges included', () => {
    const [rows, cols] = [130, 70];
    const src = Float32Array.from({ length: rows * cols }, (_, k) => k);
    const dst = new Float32Array(src.length);
    transposeInto(src, rows, cols, dst);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) expect(dst[c * rows + r]).toBe(src[r * cols + c]);
  });
});
