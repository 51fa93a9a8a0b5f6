import type { TrialConfigInput } from '@vaecf/cf';
import { ashaRungs, createScheduler, type Decision, type SweepSpec, type TrialSnapshot } from '@vaecf/sweep';
import type { TrialFence } from '@vaecf/store';
import type { SweepStore } from '@vaecf/store';

/** One trial's place in its sweep after an epoch: `values` holds the objective of every epoch so far. */
export interface TrialProgressPoint {
  /** The trial, as its owner's current attempt (an ASHA arrival is one of its fenced writes). */
  readonly fence: TrialFence;
  readonly params: TrialConfigInput;
  readonly values: readonly number[];
  /** Epochs the trial may run in all (its rungs depend on it). */
  readonly maxEpochs: number;
}

/**
 * The one home of early stopping: after each epoch, whether the trial goes
 * on. ASHA's rung decisions go through the store's Lua script so that
 * simultaneous arrivals are ordered once for every worker; the median rule
 * and "none" are the pure schedulers of libs/sweep, given the peers' curves.
 */
export async function decideAfterEpoch(
  store: SweepStore,
  spec: SweepSpec,
  trial: TrialProgressPoint,
): Promise<Decision> {
  const s = spec.scheduler;
  const epoch = trial.values.length;
  if (epoch >= trial.maxEpochs) return 'continue'; // finished anyway
  if (s.type === 'asha') {
    const rungs = ashaRungs({ ...s, maxEpochs: trial.maxEpochs });
    if (!rungs.includes(epoch)) return 'continue';
    return store.ashaRung(trial.fence, epoch, trial.values[epoch - 1], s.reductionFactor);
  }
  if (s.type === 'none') return 'continue';
  const { sweepId, trialNo } = trial.fence;
  const peers = (await store.trialSnapshots(sweepId, spec.objective.metric)).filter(
    (p) => p.number !== trialNo,
  );
  const own: TrialSnapshot = {
    number: trialNo,
    params: trial.params,
    state: 'running',
    values: trial.values,
  };
  return createScheduler(spec, trial.maxEpochs).decide(own, peers);
}
