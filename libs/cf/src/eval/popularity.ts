import { csrColumnCounts, type Csr } from '../data/csr';
import type { Scorer } from './evaluate';

/**
 * The reference baseline: every user gets the items ranked by how many
 * training users have them (fold-in items are still masked by evaluate).
 */
export class PopularityScorer implements Scorer {
  private readonly popularity: Float32Array;

  constructor(train: Csr) {
    this.popularity = Float32Array.from(csrColumnCounts(train));
  }

  score(foldIn: Csr): Float32Array {
    const n = this.popularity.length;
    if (foldIn.nCols !== n)
      throw new Error(`popularity: fold-in has ${foldIn.nCols} items, training has ${n}`);
    const out = new Float32Array(foldIn.nRows * n);
    for (let r = 0; r < foldIn.nRows; r++) out.set(this.popularity, r * n);
    return out;
  }
}
