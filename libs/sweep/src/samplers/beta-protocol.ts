import type { Params, SearchSpace } from '../distributions';
import type { TrialSnapshot } from '../trial';
import { FINAL_STATES } from '../trial';
import { GridSampler } from './grid';
import type { Sampler } from './sampler';

/** What the protocol needs to know of a spec (a structural slice of SweepSpec, to keep this file below spec.ts). */
interface BetaSpecShape {
  readonly model: string;
  readonly fixed: Record<string, unknown>;
  readonly space: SearchSpace;
  readonly scheduler: { readonly type: string };
}

/** Trial fields the protocol sets itself, stage by stage. */
const SET_BY_PROTOCOL = ['annealCap', 'totalAnnealSteps'] as const;

/** Why a spec cannot run the protocol (path and message for the spec's error), or null. */
export function betaProtocolProblem(spec: BetaSpecShape): { path: string[]; message: string } | null {
  if (spec.model !== 'vae')
    return { path: ['model'], message: 'the beta protocol tunes the KL weight of Mult-VAE; a dae has none' };
  for (const section of ['fixed', 'space'] as const)
    for (const f of SET_BY_PROTOCOL)
      if (Object.hasOwn(spec[section], f))
        return {
          path: [section, f],
          message:
            'is set by the beta protocol (stage 1 anneals to 1, stage 2 caps beta at the chosen value)',
        };
  for (const f of ['epochs', 'batchSize'])
    if (Object.hasOwn(spec.space, f))
      return {
        path: ['space', f],
        message: 'the beta protocol anneals over a whole run: fix epochs and batchSize',
      };
  if (spec.scheduler.type !== 'none')
    return {
      path: ['scheduler'],
      message: 'the beta protocol needs every stage-1 run to reach beta = 1: use none',
    };
  return null;
}

/** The beta chosen by stage 1: at the best epoch of its best run. */
export interface BetaChoice {
  readonly beta: number;
  /** The stage-1 trial it came from, its best value and that run's configuration index. */
  readonly trial: number;
  readonly value: number;
  readonly configuration: number;
}

/**
 * The paper's beta protocol (Liang et al. 2018, section 2.2.2, and its
 * notebook): stage 1 trains every configuration of the space (a grid) with
 * beta annealed from 0 to 1 over the run, and records beta at every epoch;
 * the beta at the epoch with the best validation objective, in the best
 * stage-1 run, is chosen; stage 2 trains every configuration (or only the
 * best one) with annealCap set to that beta, annealing at the same rate.
 * Stage 2 waits until stage 1 has ended (`ready`).
 */
export class BetaProtocolSampler implements Sampler {
  private readonly grid: GridSampler;
  /** Configurations of stage 1 (the grid), and of both stages. */
  readonly stage1: number;
  readonly size: number;

  constructor(
    space: SearchSpace,
    private readonly search: { readonly stage2: 'all' | 'best'; readonly annealSteps?: number },
    /** Each configuration runs this many times: stage-1 trials are the first stage1 x repeats. */
    private readonly repeats = 1,
  ) {
    this.grid = new GridSampler(space);
    this.stage1 = this.grid.size;
    this.size = this.stage1 + (search.stage2 === 'all' ? this.stage1 : 1);
  }

  ready(n: number, trials: readonly TrialSnapshot[]): boolean {
    if (n < this.stage1) return true;
    const stage1 = trials.filter((t) => t.number < this.stage1 * this.repeats);
    return stage1.length === this.stage1 * this.repeats && stage1.every((t) => FINAL_STATES.has(t.state));
  }

  propose(n: number, trials: readonly TrialSnapshot[]): Params | null {
    if (n >= this.size) return null;
    const anneal = this.search.annealSteps === undefined ? {} : { totalAnnealSteps: this.search.annealSteps };
    if (n < this.stage1) return { ...this.grid.propose(n), annealCap: 1, ...anneal };
    const choice = chooseBeta(
      trials.filter((t) => t.number < this.stage1 * this.repeats),
      this.repeats,
    );
    if (!choice) return null; // no stage-1 run validated an epoch: nothing to go on with
    const configuration = this.search.stage2 === 'best' ? choice.configuration : n - this.stage1;
    return { ...this.grid.propose(configuration), annealCap: choice.beta, ...anneal };
  }
}

/** The beta at the best epoch of the best stage-1 run (runs that never validated an epoch are skipped). */
export function chooseBeta(stage1: readonly TrialSnapshot[], repeats = 1): BetaChoice | null {
  let choice: BetaChoice | null = null;
  for (const t of stage1) {
    let best = -1;
    t.values.forEach((v, k) => {
      if (!Number.isNaN(v) && (best < 0 || v > t.values[best])) best = k;
    });
    const beta = t.betas?.[best];
    if (best < 0 || beta === undefined) continue;
    if (!choice || t.values[best] > choice.value)
      choice = {
        beta,
        trial: t.number,
        value: t.values[best],
        configuration: Math.floor(t.number / repeats),
      };
  }
  return choice;
}
