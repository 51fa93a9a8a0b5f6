import type { TrialSnapshot } from '../trial';
import type { Decision, Scheduler } from './scheduler';

export interface AshaOptions {
  /** Epochs every trial gets before its first rung. */
  readonly gracePeriod: number;
  /** Keep the top 1/reductionFactor at each rung. */
  readonly reductionFactor: number;
  readonly maxEpochs: number;
}

/** Rung milestones: gracePeriod * eta^k below maxEpochs. */
export function ashaRungs(o: AshaOptions): number[] {
  const rungs: number[] = [];
  for (let r = o.gracePeriod; r < o.maxEpochs; r *= o.reductionFactor) rungs.push(r);
  return rungs;
}

/**
 * The rung's cutoff given the values recorded there before this trial:
 * the (1 - 1/eta) quantile, linearly interpolated (numpy's default, as Ray
 * Tune's ASHA). No cutoff while the rung is empty: the first arrival goes on.
 */
export function ashaCutoff(recorded: readonly number[], reductionFactor: number): number | undefined {
  const xs = recorded.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const pos = (1 - 1 / reductionFactor) * (xs.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
}

/** Stop iff a cutoff exists and the value is below it. */
export function ashaDecision(recorded: readonly number[], value: number, reductionFactor: number): Decision {
  const cutoff = ashaCutoff(recorded, reductionFactor);
  return cutoff !== undefined && !(value >= cutoff) ? 'stop' : 'continue';
}

/**
 * Asynchronous successive halving (Li et al., 2020), as Ray Tune's
 * AsyncHyperBand with one bracket. A trial reaching a rung epoch is compared
 * with the trials recorded at that rung before it (by the order in which
 * they reached it: the peers' values at that epoch stand in for their record).
 * In-process use only; the Redis store records rung arrivals atomically.
 */
export class AshaScheduler implements Scheduler {
  private readonly rungs: ReadonlySet<number>;
  /** rung epoch -> values recorded there, in arrival order. */
  private readonly recorded = new Map<number, number[]>();

  constructor(readonly options: AshaOptions) {
    validateAsha(options);
    this.rungs = new Set(ashaRungs(options));
  }

  decide(trial: TrialSnapshot): Decision {
    const epoch = trial.values.length;
    if (epoch >= this.options.maxEpochs) return 'stop';
    if (!this.rungs.has(epoch)) return 'continue';
    const value = trial.values[epoch - 1];
    const at = this.recorded.get(epoch) ?? [];
    const decision = ashaDecision(at, value, this.options.reductionFactor);
    at.push(value);
    this.recorded.set(epoch, at);
    return decision;
  }
}

export function validateAsha(o: AshaOptions): void {
  if (!Number.isInteger(o.gracePeriod) || o.gracePeriod < 1)
    throw new Error(`asha gracePeriod must be an integer >= 1, got ${o.gracePeriod}`);
  if (!(o.reductionFactor > 1)) throw new Error(`asha reductionFactor must be > 1, got ${o.reductionFactor}`);
  if (!Number.isInteger(o.maxEpochs) || o.maxEpochs < o.gracePeriod) {
    throw new Error(
      `asha maxEpochs must be an integer >= gracePeriod (${o.gracePeriod}), got ${o.maxEpochs}`,
    );
  }
}
