import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { Params, SearchSpace } from '../distributions';
import { bestValue, type TrialSnapshot } from '../trial';
import { decodePoint, encodeParams, encodeSpace, type Axis, type Point } from './tpe/encoding';
import { ParzenEstimator } from './tpe/parzen';
import { RandomSampler } from './random';
import type { Sampler } from './sampler';

export interface TpeOptions {
  /** Trials drawn at random before TPE starts (Optuna's n_startup_trials). */
  readonly nStartup: number;
  /** Fraction of finished trials that are "good": min(ceil(gamma * n), 25) of them (Optuna's default_gamma with 0.1). */
  readonly gamma: number;
  /** Candidates drawn from the good trials' estimator, of which the best l(x)/g(x) wins (Optuna's n_ei_candidates). */
  readonly candidates: number;
}

export const TPE_DEFAULTS: TpeOptions = { nStartup: 10, gamma: 0.1, candidates: 24 };
/** Optuna caps the good trials at 25 whatever gamma is. */
const MAX_BELOW = 25;
/** Keeps TPE's stream apart from the random sampler's stream of the same seed. */
const TPE_STREAM = 0x7e5a_1c3d;

/**
 * Tree-structured Parzen Estimator, as Optuna's TPESampler with
 * `multivariate=True` and `constant_liar=True`. Trial n's params depend only
 * on (seed, n, the snapshots):
 * - while n < nStartup, or fewer than nStartup trials have finished, it is
 *   RandomSampler's trial n, so a TPE sweep starts as a random sweep does;
 * - then the finished trials are split: completed ones ranked by their best
 *   value, then pruned ones (by epochs reached, then last value, as Optuna
 *   ranks a pruned trial by its intermediate value at its last step); the
 *   first min(ceil(gamma * n), 25) are "below" (good), the rest "above";
 * - queued and running trials join "above": the constant liar gives them the
 *   worst value, so parallel workers are steered away from points already
 *   being tried; failed and cancelled trials are ignored;
 * - 24 candidates are drawn from l (the estimator of the good trials) and
 *   the one maximising log l(x) - log g(x) is proposed.
 * Trials whose params are not in the space (an edited spec) are left out.
 * `n` counts configurations (trialParams' n / repeats); pass the snapshots of
 * the trials proposed so far, not one for n itself.
 */
export class TpeSampler implements Sampler {
  private readonly axes: Axis[];
  private readonly random: RandomSampler;
  private readonly options: TpeOptions;

  constructor(
    space: SearchSpace,
    private readonly seed: number,
    private readonly trials: number,
    options: Partial<TpeOptions> = {},
  ) {
    this.axes = encodeSpace(space);
    this.random = new RandomSampler(space, seed, trials);
    this.options = { ...TPE_DEFAULTS, ...options };
  }

  propose(n: number, trials: readonly TrialSnapshot[]): Params | null {
    if (n >= this.trials) return null;
    const { finished, pending } = this.observations(trials);
    if (n < this.options.nStartup || finished.length < this.options.nStartup) return this.random.propose(n);

    const nBelow = Math.min(Math.ceil(this.options.gamma * finished.length), MAX_BELOW);
    const below = finished.slice(0, nBelow);
    const above = [...finished.slice(nBelow), ...pending];
    const l = new ParzenEstimator(this.axes, byNumber(below));
    const g = new ParzenEstimator(this.axes, byNumber(above));

    const gen = xoroshiro128plus(this.seed ^ TPE_STREAM);
    for (let k = 0; k < n; k++) gen.jump();
    const uniform = () => uniformFloat64(gen);
    let best: Point | null = null;
    let bestScore = -Infinity;
    for (let c = 0; c < this.options.candidates; c++) {
      const candidate = l.sample(uniform);
      const score = l.logPdf(candidate) - g.logPdf(candidate);
      if (best === null || score > bestScore) [best, bestScore] = [candidate, score];
    }
    return decodePoint(this.axes, best!);
  }

  /** Finished trials best first (completed, then pruned), and the pending ones. */
  private observations(trials: readonly TrialSnapshot[]) {
    type Observed = { number: number; point: Point; snapshot: TrialSnapshot };
    const completed: Observed[] = [];
    const pruned: Observed[] = [];
    const pending: Observed[] = [];
    for (const t of trials) {
      const point = encodeParams(this.axes, t.params);
      if (!point) continue;
      const o = { number: t.number, point, snapshot: t };
      // A NaN objective (a diverged trial) counts as failed, as in Optuna.
      if (t.state === 'completed' && Number.isFinite(bestValue(t))) completed.push(o);
      else if (t.state === 'pruned' && Number.isFinite(t.values.at(-1))) pruned.push(o);
      else if (t.state === 'queued' || t.state === 'running') pending.push(o);
    }
    completed.sort((a, b) => bestValue(b.snapshot)! - bestValue(a.snapshot)! || a.number - b.number);
    pruned.sort(
      (a, b) =>
        b.snapshot.values.length - a.snapshot.values.length ||
        b.snapshot.values.at(-1)! - a.snapshot.values.at(-1)! ||
        a.number - b.number,
    );
    return { finished: [...completed, ...pruned], pending };
  }
}

function byNumber(observed: { number: number; point: Point }[]): Point[] {
  return [...observed].sort((a, b) => a.number - b.number).map((o) => o.point);
}
