import { configurationOf } from './configurations';
import type { Params } from './distributions';
import { BetaProtocolSampler } from './samplers/beta-protocol';
import { GridSampler, gridSize } from './samplers/grid';
import { RandomSampler } from './samplers/random';
import type { Sampler } from './samplers/sampler';
import { TpeSampler } from './samplers/tpe';
import { AshaScheduler } from './schedulers/asha';
import { MedianScheduler } from './schedulers/median';
import { NoScheduler, type Scheduler } from './schedulers/scheduler';
import { fixedHyperparameters, type SweepSpec } from './spec';
import type { TrialSnapshot } from './trial';

/** Number of trials the sweep will run: configurations x repeats, capped by maxTrials. */
export function plannedTrials(spec: SweepSpec): number {
  return Math.min(configurations(spec) * spec.limits.repeats, spec.limits.maxTrials);
}

function configurations(spec: SweepSpec): number {
  switch (spec.search.method) {
    case 'grid':
      return gridSize(spec.space);
    case 'random':
    case 'tpe':
      return spec.search.trials;
    case 'beta': {
      const stage1 = gridSize(spec.space);
      return stage1 + (spec.search.stage2 === 'all' ? stage1 : 1);
    }
  }
}

export function createSampler(spec: SweepSpec): Sampler {
  const s = spec.search;
  switch (s.method) {
    case 'grid':
      return new GridSampler(spec.space);
    case 'random':
      return new RandomSampler(spec.space, s.seed, s.trials);
    case 'tpe':
      return new TpeSampler(spec.space, s.seed, s.trials, { nStartup: s.nStartup, gamma: s.gamma });
    case 'beta':
      return new BetaProtocolSampler(spec.space, s, spec.limits.repeats);
  }
}

/** Whether trial n can be proposed now (the sampler may wait for results; see Sampler.ready). */
export function trialReady(
  spec: SweepSpec,
  sampler: Sampler,
  n: number,
  trials: readonly TrialSnapshot[],
): boolean {
  return sampler.ready?.(Math.floor(n / spec.limits.repeats), trials) ?? true;
}

/** Epochs a trial may run: the fixed epochs, else ASHA's maxEpochs, else the model default (left to the caller). */
export function createScheduler(spec: SweepSpec, trialEpochs: number): Scheduler {
  const s = spec.scheduler;
  switch (s.type) {
    case 'asha':
      return new AshaScheduler({
        gracePeriod: s.gracePeriod,
        reductionFactor: s.reductionFactor,
        maxEpochs: s.maxEpochs ?? trialEpochs,
      });
    case 'median':
      return new MedianScheduler({ warmupEpochs: s.warmupEpochs, minPeers: s.minPeers });
    case 'none':
      return new NoScheduler();
  }
}

/**
 * The hyperparameters of trial n: fixed values, then the sampled point of
 * configuration floor(n / repeats), with seed = base seed + (n mod repeats)
 * so repeats differ only in their seed. The base seed is the trial's own, or
 * `defaultSeed` (the trial configuration's default, which libs/sweep does
 * not know). A replicate (n mod repeats > 0) copies the params of its
 * configuration's first trial from `trials` rather than asking the sampler
 * again: an adaptive sampler (TPE, beta) would propose another point once
 * more results are in, and the seeds would no longer share a configuration.
 * `trials` must therefore hold every trial proposed so far (the caller adds
 * the ones it creates in one pass).
 */
export function trialParams(
  spec: SweepSpec,
  sampler: Sampler,
  n: number,
  trials: readonly TrialSnapshot[],
  defaultSeed: number,
): Params | null {
  if (n >= plannedTrials(spec)) return null;
  const repeats = spec.limits.repeats;
  const offset = n % repeats;
  if (offset > 0) {
    const first = trials.find((t) => t.number === n - offset);
    if (!first)
      throw new Error(
        `trial ${n} replicates trial ${n - offset}, which is not among the trials proposed so far`,
      );
    const seed = (first.params.seed as number | undefined) ?? defaultSeed;
    return { ...first.params, seed: seed + offset };
  }
  const point = sampler.propose(configurationOf(n, repeats), trials);
  if (!point) return null;
  const params: Params = {
    model: spec.model,
    selectBy: spec.objective.metric,
    ...fixedHyperparameters(spec),
    ...point,
  };
  if (repeats > 1) params.seed = (params.seed as number | undefined) ?? defaultSeed;
  return params;
}
