import wilcoxon from '@stdlib/stats-wilcoxon';
import { Rng } from '../runtime/rng';
import { PER_USER_METRICS, type PerUserMetric, type PerUserMetrics } from './per-user';

export interface ComparisonOptions {
  /** Bootstrap resamples (default 10,000). */
  readonly resamples?: number;
  /** The bootstrap's seed, recorded in the result so that an export reproduces (default 20180423). */
  readonly seed?: number;
  /** Two-sided confidence level of the interval (default 0.95). */
  readonly level?: number;
}

/** How the p-value is computed (see comparePerUser). */
export const SIGNIFICANCE_TEST = 'wilcoxon signed-rank, two-sided, Pratt zeros' as const;

export const DEFAULT_BOOTSTRAP = { resamples: 10_000, seed: 20180423, level: 0.95 } as const;

/** A against B on one metric, over the users both were measured on. */
export interface MetricComparison {
  /** Users paired (those with held-out items). */
  readonly users: number;
  readonly meanA: number;
  readonly meanB: number;
  /** mean(A - B): positive when A is better. */
  readonly difference: number;
  /** Percentile bootstrap interval of the mean difference. */
  readonly ci: readonly [number, number];
  /** Two-sided Wilcoxon signed-rank p-value (Pratt's zeros, tie-corrected normal approximation); 1 when every difference is 0. */
  readonly pValue: number;
  /** Users whose two values are equal (kept in the ranking by Pratt's method). */
  readonly zeros: number;
}

export interface Comparison {
  readonly bootstrap: { readonly resamples: number; readonly seed: number; readonly level: number };
  readonly test: typeof SIGNIFICANCE_TEST;
  readonly metrics: Readonly<Record<PerUserMetric, MetricComparison>>;
}

/** Thrown when two vectors were not measured on the same users of the same split. */
export class SplitMismatchError extends Error {
  override readonly name = 'SplitMismatchError';
}

/**
 * The paired comparison of two models' per-user test metrics: the mean
 * difference with a seeded percentile bootstrap interval (the same user
 * resample serves all three metrics) and the Wilcoxon signed-rank test of
 * @stdlib/stats-wilcoxon. Zeros: per-user metrics are often equal (both 0,
 * or both 1), so differences of 0 are many; Pratt's method keeps them in the
 * ranking and drops their ranks from the statistic, which stays valid when
 * they are many (Wilcox's method, stdlib's default, drops them first).
 * Ties among |differences| get average ranks and stdlib's variance
 * correction; with zeros or ties stdlib uses the normal approximation (with
 * continuity correction), otherwise the exact distribution up to 50 users.
 */
export function comparePerUser(
  a: PerUserMetrics,
  b: PerUserMetrics,
  opts: ComparisonOptions = {},
): Comparison {
  if (a.split !== b.split)
    throw new SplitMismatchError(
      `the two models were measured on different splits (${a.split.slice(0, 12)} vs ${b.split.slice(0, 12)})`,
    );
  const resamples = opts.resamples ?? DEFAULT_BOOTSTRAP.resamples;
  const seed = opts.seed ?? DEFAULT_BOOTSTRAP.seed;
  const level = opts.level ?? DEFAULT_BOOTSTRAP.level;
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new Error(`resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new Error(`level must be in (0, 1), got ${level}`);
  const n = a.values.ndcg100.length;
  if (b.values.ndcg100.length !== n)
    throw new SplitMismatchError(`${n} users against ${b.values.ndcg100.length}`);

  // Users measured in both (NaN: no held-out items, the same users in both on one split).
  const diffs = {} as Record<PerUserMetric, Float64Array>;
  const keep: number[] = [];
  for (let u = 0; u < n; u++)
    if (PER_USER_METRICS.every((k) => Number.isFinite(a.values[k][u]) && Number.isFinite(b.values[k][u])))
      keep.push(u);
  for (const k of PER_USER_METRICS)
    diffs[k] = Float64Array.from(keep, (u) => a.values[k][u] - b.values[k][u]);
  const m = keep.length;
  if (m < 2) throw new SplitMismatchError(`only ${m} users have held-out items in both: nothing to compare`);

  // One resample of users serves every metric: means of each resample, per metric.
  const rng = Rng.fromSeed(seed);
  const boot = Object.fromEntries(PER_USER_METRICS.map((k) => [k, new Float64Array(resamples)])) as Record<
    PerUserMetric,
    Float64Array
  >;
  const [d0, d1, d2] = PER_USER_METRICS.map((k) => diffs[k]);
  for (let r = 0; r < resamples; r++) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < m; i++) {
      const u = rng.int(m);
      s0 += d0[u];
      s1 += d1[u];
      s2 += d2[u];
    }
    boot[PER_USER_METRICS[0]][r] = s0 / m;
    boot[PER_USER_METRICS[1]][r] = s1 / m;
    boot[PER_USER_METRICS[2]][r] = s2 / m;
  }

  const metrics = {} as Record<PerUserMetric, MetricComparison>;
  for (const k of PER_USER_METRICS) {
    const d = diffs[k];
    const mean = (f: (u: number) => number) => keep.reduce((s, u) => s + f(u), 0) / m;
    const zeros = d.reduce((z, v) => z + (v === 0 ? 1 : 0), 0);
    metrics[k] = {
      users: m,
      meanA: mean((u) => a.values[k][u]),
      meanB: mean((u) => b.values[k][u]),
      difference: d.reduce((s, v) => s + v, 0) / m,
      ci: percentileInterval(boot[k], level),
      pValue: zeros === m ? 1 : wilcoxon(d, { zeroMethod: 'pratt', alternative: 'two-sided' }).pValue,
      zeros,
    };
  }
  return {
    bootstrap: { resamples, seed, level },
    test: SIGNIFICANCE_TEST,
    metrics,
  };
}

/** The (1 - level) / 2 and (1 + level) / 2 quantiles (linear interpolation, as numpy's default). */
function percentileInterval(values: Float64Array, level: number): [number, number] {
  const sorted = Float64Array.from(values).sort();
  const q = (p: number) => {
    const pos = p * (sorted.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  };
  return [q((1 - level) / 2), q((1 + level) / 2)];
}
