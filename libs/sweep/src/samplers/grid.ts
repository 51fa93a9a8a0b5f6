import { gridValues, type SearchSpace, type Params } from '../distributions';
import type { Sampler } from './sampler';

/** The full product of every parameter's values, in a fixed order (first parameter varies slowest). */
export class GridSampler implements Sampler {
  private readonly names: string[];
  private readonly values: (readonly unknown[])[];
  readonly size: number;

  constructor(space: SearchSpace) {
    this.names = Object.keys(space).sort();
    this.values = this.names.map((name) => {
      const v = gridValues(space[name]);
      if (!v)
        throw new Error(
          `grid search needs finite values: space.${name} is continuous (give it q, or use choice)`,
        );
      return v;
    });
    this.size = gridSize(space);
  }

  propose(n: number): Params | null {
    if (n >= this.size) return null;
    const params: Params = {};
    let rest = n;
    for (let k = this.names.length - 1; k >= 0; k--) {
      const vs = this.values[k];
      params[this.names[k]] = vs[rest % vs.length];
      rest = Math.floor(rest / vs.length);
    }
    return params;
  }
}

/** Number of grid points; Infinity if a parameter is continuous. */
export function gridSize(space: SearchSpace): number {
  return Object.values(space).reduce((s, d) => s * (gridValues(d)?.length ?? Infinity), 1);
}
