import type { TrialSnapshot } from '../trial';

export type Decision = 'continue' | 'stop';

/**
 * Decides after each epoch whether a trial goes on (Optuna's pruner: one
 * function of the trial's history and its peers'). `trial.values` already
 * holds the epoch just finished. Schedulers are pure; where decisions must be
 * consistent across processes (ASHA rungs), the store applies the same rule
 * atomically.
 */
export interface Scheduler {
  decide(trial: TrialSnapshot, peers: readonly TrialSnapshot[]): Decision;
}

export class NoScheduler implements Scheduler {
  decide(): Decision {
    return 'continue';
  }
}
