import { gridCount, gridValueAt, type Params, type SearchSpace } from '../distributions';
import type { Sampler } from './sampler';

/**
 * The full product of every parameter's values, in a fixed order (first
 * parameter varies slowest). Point n is computed from n in mixed radix,
 * so the grid is never materialised.
 */
export class GridSampler implements Sampler {
  private readonly names: string[];
  private readonly counts: number[];
  readonly size: number;

  constructor(private readonly space: SearchSpace) {
    this.names = Object.keys(space).sort();
    this.counts = this.names.map((name) => {
      const count = gridCount(space[name]);
      if (count === null)
        throw new Error(
          `grid search needs finite values: space.${name} is continuous (give it q, or use choice)`,
        );
      return count;
    });
    this.size = gridSize(space);
  }

  propose(n: number): Params | null {
    if (n >= this.size) return null;
    const params: Params = {};
    let rest = n;
    for (let k = this.names.length - 1; k >= 0; k--) {
      params[this.names[k]] = gridValueAt(this.space[this.names[k]], rest % this.counts[k]);
      rest = Math.floor(rest / this.counts[k]);
    }
    return params;
  }
}

/** Number of grid points; Infinity if a parameter is continuous (or the product overflows). */
export function gridSize(space: SearchSpace): number {
  return Object.values(space).reduce((s, d) => s * (gridCount(d) ?? Infinity), 1);
}
