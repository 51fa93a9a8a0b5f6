import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { sampleValue, type Params, type SearchSpace } from '../distributions';
import type { Sampler } from './sampler';

/**
 * Independent draws. Trial n's parameters depend only on (seed, n): its
 * generator is the seed's stream jumped n times, so proposals are
 * reproducible whatever order trials are proposed in, or by which process.
 */
export class RandomSampler implements Sampler {
  private readonly names: string[];

  constructor(
    private readonly space: SearchSpace,
    private readonly seed: number,
    private readonly trials: number,
  ) {
    this.names = Object.keys(space).sort();
  }

  propose(n: number): Params | null {
    if (n >= this.trials) return null;
    const gen = xoroshiro128plus(this.seed);
    for (let k = 0; k < n; k++) gen.jump();
    const uniform = () => uniformFloat64(gen);
    return Object.fromEntries(this.names.map((name) => [name, sampleValue(this.space[name], uniform)]));
  }
}
