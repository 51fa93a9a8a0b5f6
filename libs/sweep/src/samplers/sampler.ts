import type { Params } from '../distributions';
import type { TrialSnapshot } from '../trial';

/**
 * Proposes the parameters of trial number `n` (0-based). Samplers see every
 * trial so far, so an adaptive one can learn from finished trials; grid and
 * random ignore them. Returns null when the space is exhausted.
 */
export interface Sampler {
  propose(n: number, trials: readonly TrialSnapshot[]): Params | null;
  /**
   * Whether configuration n can be proposed now; a sampler whose later
   * proposals depend on results not in yet (the beta protocol's stage 2)
   * says no until they are. Absent: always.
   */
  ready?(n: number, trials: readonly TrialSnapshot[]): boolean;
}
