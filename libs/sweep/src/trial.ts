import type { Params } from './distributions';

/** A sweep's states: running (trials being proposed and trained), finalizing (testing the best), then one end. */
export const SWEEP_STATES = ['running', 'finalizing', 'completed', 'cancelled', 'failed'] as const;
export type SweepState = (typeof SWEEP_STATES)[number];

export const TRIAL_STATES = ['queued', 'running', 'completed', 'pruned', 'failed', 'cancelled'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];

export const FINAL_STATES: ReadonlySet<TrialState> = new Set(['completed', 'pruned', 'failed', 'cancelled']);

/** What samplers and schedulers may know of a trial. */
export interface TrialSnapshot {
  readonly number: number;
  readonly params: Params;
  readonly state: TrialState;
  /** The objective after each finished epoch (index 0 = epoch 1); higher is better. */
  readonly values: readonly number[];
  /** The KL weight beta at the end of each finished epoch (Mult-VAE; the beta protocol reads it). */
  readonly betas?: readonly number[];
}

/** Best value reported so far, or undefined before the first epoch. */
export function bestValue(t: TrialSnapshot): number | undefined {
  return t.values.length ? Math.max(...t.values) : undefined;
}
