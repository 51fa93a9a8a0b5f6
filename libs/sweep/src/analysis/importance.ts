import type { Distribution, Params, SearchSpace } from '../distributions';
import { discreteTruncNormLogPmf } from '../samplers/tpe/truncnorm';
import { bestValue, type TrialSnapshot } from '../trial';

/**
 * Hyperparameter importance by PED-ANOVA (Watanabe et al. 2023), as Optuna's
 * PedAnovaImportanceEvaluator with its defaults (baseline quantile 0.1,
 * evaluated on the trials' own distribution, 50 grid steps, prior weight 1).
 *
 * Why PED-ANOVA rather than fANOVA on a random forest: it has a closed form
 * (no surrogate model to fit, no forest to grow and no seed to make it
 * reproducible), it runs in linear time in the trials, and each part can be
 * checked against Optuna's code line by line. It asks: how differently is a
 * parameter distributed among the top 10% of trials than among all trials?
 * For each parameter, a 1-D Parzen estimator (Scott's bandwidth on a grid of
 * at most 50 steps, log-scaled for `loguniform`; choices by index) is built
 * on the top trials and on all trials, and the importance is the Pearson
 * divergence between the two, sum over the grid of p_all (p_top / p_all - 1)^2.
 * A parameter that does not matter is spread alike in both, divergence ~0.
 *
 * Optuna leaves the divergences unnormalised; here they are divided by their
 * sum so that they add up to 1. When nothing can be told apart (a constant
 * objective: every trial is a top trial), every parameter gets an equal share.
 */
export interface ScoredTrial {
  readonly params: Params;
  /** The trial's objective (its best value); higher is better. */
  readonly value: number;
}

/**
 * The trials importance is measured on: the completed ones, by their best
 * value. Pruned trials stopped early, so their values are not comparable
 * (Optuna's evaluators also take completed trials only).
 */
export function scoredTrials(trials: readonly TrialSnapshot[]): ScoredTrial[] {
  return trials.flatMap((t) => {
    const value = bestValue(t);
    return t.state === 'completed' && Number.isFinite(value) ? [{ params: t.params, value: value! }] : [];
  });
}

export const PED_ANOVA_DEFAULTS = { baselineQuantile: 0.1, steps: 50, minTopTrials: 2 } as const;

/**
 * Completed trials PED-ANOVA needs to say anything: the top trials are at
 * least `minTopTrials`, so with that many or fewer the top trials are all the
 * trials, every divergence is 0 and the equal shares would be made up.
 */
export const PED_ANOVA_MIN_TRIALS = PED_ANOVA_DEFAULTS.minTopTrials + 1;
const PRIOR_WEIGHT = 1.0;
const EPS = 1e-12;

/**
 * Importance of each parameter of the space, summing to 1 (empty for an empty
 * space). Trials whose value is not finite or whose params are outside the
 * space are left out; with fewer than 2 usable trials nothing can be told
 * apart and the shares are equal.
 */
export function pedAnovaImportance(
  trials: readonly ScoredTrial[],
  space: SearchSpace,
  baselineQuantile: number = PED_ANOVA_DEFAULTS.baselineQuantile,
): Record<string, number> {
  const names = Object.keys(space).sort();
  const usable = trials.filter(
    (t) => Number.isFinite(t.value) && names.every((name) => gridIndex(space[name], t.params[name]) !== null),
  );
  const divergences = names.map((name) => {
    if (usable.length < PED_ANOVA_DEFAULTS.minTopTrials) return 0;
    const top = topTrials(usable, baselineQuantile);
    return pearsonDivergence(space[name], name, top, usable);
  });
  const total = divergences.reduce((s, d) => s + d, 0);
  return Object.fromEntries(
    names.map((name, k) => [name, total > 0 ? divergences[k] / total : 1 / names.length]),
  );
}

/**
 * The trials at or above the baseline quantile of the objective, at least
 * `minTopTrials` of them (Optuna's _QuantileFilter, numpy's quantile with
 * method="higher" on the losses). Ties at the cutoff are all kept.
 */
function topTrials(trials: readonly ScoredTrial[], quantile: number): ScoredTrial[] {
  const losses = trials.map((t) => -t.value).sort((a, b) => a - b);
  const atQuantile = losses[Math.ceil(quantile * (losses.length - 1))];
  const cutoff = Math.max(losses[PED_ANOVA_DEFAULTS.minTopTrials - 1], atQuantile);
  return trials.filter((t) => -t.value <= cutoff);
}

function pearsonDivergence(
  d: Distribution,
  name: string,
  top: readonly ScoredTrial[],
  all: readonly ScoredTrial[],
): number {
  const steps = gridSteps(d);
  if (steps < 2) return 0;
  const estimate = d.type === 'choice' ? categoricalPmf : scottParzenPmf;
  const pTop = estimate(counts(d, name, top, steps));
  const pAll = estimate(counts(d, name, all, steps));
  let divergence = 0;
  for (let k = 0; k < steps; k++) {
    const local = pAll[k] + EPS;
    const ratio = (pTop[k] + EPS) / local;
    divergence += local * (ratio - 1) ** 2;
  }
  return divergence;
}

/** How many grid cells a parameter is counted in: its choices, an int's values up to 50, else 50. */
function gridSteps(d: Distribution): number {
  if (d.type === 'choice') return d.values.length;
  if (d.low === d.high) return 1;
  if (d.type === 'int')
    return Math.min(PED_ANOVA_DEFAULTS.steps, Math.floor((d.high - d.low) / (d.step ?? 1)) + 1);
  return PED_ANOVA_DEFAULTS.steps;
}

/** Where a value falls on the parameter's grid (Optuna's searchsorted at half a step), or null if outside the space. */
function gridIndex(d: Distribution, v: unknown, steps = gridSteps(d)): number | null {
  if (d.type === 'choice') {
    const key = JSON.stringify(v);
    const k = d.values.findIndex((c) => JSON.stringify(c) === key);
    return k < 0 ? null : k;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < d.low || v > d.high) return null;
  if (steps < 2) return 0;
  const log = d.type === 'loguniform';
  const [low, high, x] = log ? [Math.log(d.low), Math.log(d.high), Math.log(v)] : [d.low, d.high, v];
  const width = (high - low) / (steps - 1);
  return Math.min(steps - 1, Math.max(0, Math.ceil((x - low - width / 2) / width - 1e-9)));
}

function counts(d: Distribution, name: string, trials: readonly ScoredTrial[], steps: number): number[] {
  const c = new Array<number>(steps).fill(0);
  for (const t of trials) c[gridIndex(d, t.params[name], steps)!] += 1;
  return c;
}

/**
 * Optuna's _ScottParzenEstimator on grid cells 0..steps-1: a kernel at each
 * occupied cell weighted by its count, plus a prior kernel. Numeric grids
 * get discretised truncated normals with Scott's bandwidth
 * 1.059 min(IQR / 1.34, sd) n^(-1/5) (at least 0.5 / 1.64 cells); the prior
 * is centred with the whole grid as width.
 */
function scottParzenPmf(cellCounts: number[]): number[] {
  const steps = cellCounts.length;
  const cells = cellCounts.flatMap((c, k) => (c > 0 ? [k] : []));
  const weights = [...cells.map((k) => cellCounts[k]), PRIOR_WEIGHT];
  const total = weights.reduce((s, w) => s + w, 0);
  const n = cellCounts.reduce((s, c) => s + c, 0);
  const mean = cells.reduce((s, k) => s + k * cellCounts[k], 0) / n;
  const sd = Math.sqrt(cells.reduce((s, k) => s + (k - mean) ** 2 * cellCounts[k], 0) / n);
  const cumulative: number[] = [];
  cells.reduce((acc, k) => (cumulative.push(acc + cellCounts[k]), acc + cellCounts[k]), 0);
  const q25 = cells[cumulative.findIndex((c) => c >= Math.floor(n / 4))];
  const q75 =
    cells[
      Math.min(
        cells.length - 1,
        cumulative.findIndex((c) => c >= Math.floor((n * 3) / 4)),
      )
    ];
  const bandwidth = Math.max(1.059 * Math.min((q75 - q25) / 1.34, sd) * n ** -0.2, 0.5 / 1.64);
  const mus = [...cells, 0.5 * (steps - 1)];
  const sigmas = [...cells.map(() => bandwidth), steps];
  const pmf = new Array<number>(steps).fill(0);
  for (let x = 0; x < steps; x++)
    for (let j = 0; j < mus.length; j++)
      pmf[x] +=
        (weights[j] / total) * Math.exp(discreteTruncNormLogPmf(x, mus[j], sigmas[j], 0, steps - 1, 1));
  return pmf;
}

/**
 * The same estimator for choices (Optuna's categorical kernels): a kernel per
 * chosen value weighted by its count, each spreading the prior weight over
 * all choices with 1 added at its own, plus a uniform prior kernel.
 */
function categoricalPmf(cellCounts: number[]): number[] {
  const choices = cellCounts.length;
  const cells = cellCounts.flatMap((c, k) => (c > 0 ? [k] : []));
  const kernels = cells.length + 1;
  const total = cellCounts.reduce((s, c) => s + c, 0) + PRIOR_WEIGHT;
  const rowSum = (choices * PRIOR_WEIGHT) / kernels + 1;
  const pmf = new Array<number>(choices).fill(PRIOR_WEIGHT / total / choices);
  for (const k of cells) {
    const w = cellCounts[k] / total;
    for (let c = 0; c < choices; c++) pmf[c] += (w * (PRIOR_WEIGHT / kernels + (c === k ? 1 : 0))) / rowSum;
  }
  return pmf;
}
