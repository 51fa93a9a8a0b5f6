import { bestValue, type TrialSnapshot } from '../trial';
import type { Decision, Scheduler } from './scheduler';

export interface MedianOptions {
  /** Epochs before any trial can be stopped. */
  readonly warmupEpochs: number;
  /** Peers that must have reached the same epoch before the rule applies. */
  readonly minPeers: number;
}

/**
 * The median stopping rule (Golovin et al., 2017, as Optuna's MedianPruner):
 * after epoch t, stop a trial whose best value so far is below the median of
 * its peers' best values up to epoch t.
 */
export class MedianScheduler implements Scheduler {
  constructor(readonly options: MedianOptions) {
    if (!Number.isInteger(options.warmupEpochs) || options.warmupEpochs < 0) {
      throw new Error(`median warmupEpochs must be an integer >= 0, got ${options.warmupEpochs}`);
    }
    if (!Number.isInteger(options.minPeers) || options.minPeers < 1) {
      throw new Error(`median minPeers must be an integer >= 1, got ${options.minPeers}`);
    }
  }

  decide(trial: TrialSnapshot, peers: readonly TrialSnapshot[]): Decision {
    const t = trial.values.length;
    if (t <= this.options.warmupEpochs) return 'continue';
    const peerBests = peers
      .filter((p) => p.number !== trial.number && p.values.length >= t)
      .map((p) => bestValue({ ...p, values: p.values.slice(0, t) })!)
      .filter((v) => !Number.isNaN(v));
    if (peerBests.length < this.options.minPeers) return 'continue';
    const own = bestValue(trial)!;
    return own < median(peerBests) ? 'stop' : 'continue';
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
