import { initBackend } from '../../src/runtime/backend';
import { csrFromRows, type Csr } from '../../src/data/csr';
import { Rng } from '../../src/runtime/rng';

/** Tests run on the backend the machine would pick (wasm here), unless VAECF_BACKEND says otherwise. */
export async function useTestBackend(): Promise<string> {
  return (await initBackend()).name;
}

/** A random binary user x item matrix with 1..maxPerRow items per row. */
export function randomCsr(seed: number, rows: number, cols: number, maxPerRow: number): Csr {
  const rng = Rng.fromSeed(seed);
  const lists: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const n = 1 + rng.int(maxPerRow);
    lists.push(Array.from(rng.permutation(cols).subarray(0, n)));
  }
  return csrFromRows(cols, lists);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}
