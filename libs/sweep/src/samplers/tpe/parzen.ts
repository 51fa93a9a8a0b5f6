import type { Axis, Point } from './encoding';
import { logGaussMass, normalLogPdf, truncNormSample } from './truncnorm';

/**
 * A multivariate Parzen estimator as Optuna's `_ParzenEstimator` with
 * `multivariate=True`, `consider_prior=True`, `prior_weight=1.0`,
 * `consider_magic_clip=True` (and `consider_endpoints=False`, which only
 * matters for univariate bandwidths): one kernel per observation plus a
 * prior kernel, each kernel a product over the axes of
 * - a truncated normal on numeric axes (bandwidth 0.2 * n^(-1/(d+4)) times
 *   the range, clipped to [range / min(100, 1 + kernels), range]); a
 *   quantised axis gets the mass of the bin around each value,
 * - a categorical distribution with the prior weight spread over all
 *   choices and 1 added at the observed one.
 * The prior kernel sits at the middle of each range with the whole range as
 * its width, and is uniform over choices.
 */
const SIGMA0_MAGNITUDE = 0.2;
const PRIOR_WEIGHT = 1.0;

interface NumericKernels {
  readonly kind: 'numeric';
  readonly mus: number[];
  readonly sigmas: number[];
  readonly low: number;
  readonly high: number;
  readonly step: number | null;
  /** Per kernel, the log of its mass inside the (half-step widened) range, computed once. */
  readonly logMass: number[];
}
interface CategoricalKernels {
  readonly kind: 'categorical';
  /** Per kernel, the log probability of each choice. */
  readonly logProbs: number[][];
}
type AxisKernels = NumericKernels | CategoricalKernels;

/**
 * Optuna's `default_weights`: equal weights up to 25 observations, then the
 * older ones ramp down linearly from 1/n, so that recent trials count more.
 * Observations must be in trial-number order.
 */
export function defaultWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = n - 25;
  const weights: number[] = [];
  for (let k = 0; k < ramp; k++) weights.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * k) / (ramp - 1));
  for (let k = 0; k < 25; k++) weights.push(1);
  return weights;
}

export class ParzenEstimator {
  private readonly logWeights: number[];
  private readonly cumulative: number[];
  private readonly kernels: AxisKernels[];

  /** `observations` in trial-number order. */
  constructor(
    private readonly axes: readonly Axis[],
    observations: readonly Point[],
  ) {
    const n = observations.length;
    const weights = [...defaultWeights(n), PRIOR_WEIGHT];
    const total = weights.reduce((s, w) => s + w, 0);
    this.logWeights = weights.map((w) => Math.log(w / total));
    let acc = 0;
    this.cumulative = weights.map((w) => (acc += w / total));
    this.kernels = axes.map((axis, i) => {
      const column = observations.map((p) => p[i]);
      return axis.kind === 'numeric'
        ? numericKernels(axis, column, axes.length)
        : categoricalKernels(axis.count, column);
    });
  }

  /** Draws a point: a kernel by weight, then each coordinate from that kernel. */
  sample(uniform: () => number): Point {
    const u = uniform();
    let k = this.cumulative.findIndex((c) => u < c);
    if (k < 0) k = this.cumulative.length - 1;
    return this.kernels.map((axis) => {
      if (axis.kind === 'categorical') {
        const v = uniform();
        let acc = 0;
        const probs = axis.logProbs[k];
        for (let c = 0; c < probs.length; c++) if (v < (acc += Math.exp(probs[c]))) return c;
        return probs.length - 1;
      }
      const { mus, sigmas, low, high, step } = axis;
      if (step === null) return truncNormSample(uniform(), mus[k], sigmas[k], low, high);
      const x = truncNormSample(uniform(), mus[k], sigmas[k], low - step / 2, high + step / 2);
      return Math.min(high, Math.max(low, low + Math.round((x - low) / step) * step));
    });
  }

  /** Log density of a point under the mixture. */
  logPdf(point: Point): number {
    const terms = this.logWeights.map((lw, k) => {
      let s = lw;
      this.kernels.forEach((axis, i) => {
        const x = point[i];
        if (axis.kind === 'categorical') s += axis.logProbs[k][x];
        else if (axis.step === null) s += normalLogPdf(x, axis.mus[k], axis.sigmas[k]) - axis.logMass[k];
        else {
          // the mass of the bin around x (discreteTruncNormLogPmf, with its normaliser precomputed)
          const [mu, sigma, half] = [axis.mus[k], axis.sigmas[k], axis.step / 2];
          s += logGaussMass((x - half - mu) / sigma, (x + half - mu) / sigma) - axis.logMass[k];
        }
      });
      return s;
    });
    return logSumExp(terms);
  }
}

function numericKernels(
  axis: Extract<Axis, { kind: 'numeric' }>,
  column: number[],
  dimensions: number,
): NumericKernels {
  const { low, high, step } = axis;
  // A single-valued axis gets a tiny positive width so densities stay finite (every point has the same value).
  const range = Math.max(high - low + (step ?? 0), 1e-12);
  const sigma = SIGMA0_MAGNITUDE * Math.max(column.length, 1) ** (-1 / (dimensions + 4)) * range;
  const minSigma = range / Math.min(100, 1 + column.length + 1);
  const clipped = Math.min(range, Math.max(minSigma, sigma));
  const mus = [...column, 0.5 * (low + high)];
  const sigmas = [...column.map(() => clipped), range];
  const half = (step ?? 0) / 2;
  const logMass = mus.map((mu, k) =>
    logGaussMass((low - half - mu) / sigmas[k], (high + half - mu) / sigmas[k]),
  );
  return { kind: 'numeric', mus, sigmas, low, high, step, logMass };
}

function categoricalKernels(count: number, column: number[]): CategoricalKernels {
  const kernels = column.length + 1;
  const rows = [...column, -1].map((observed) => {
    const row = new Array<number>(count).fill(PRIOR_WEIGHT / kernels);
    if (observed >= 0) row[observed] += 1;
    const sum = row.reduce((s, w) => s + w, 0);
    return row.map((w) => Math.log(w / sum));
  });
  return { kind: 'categorical', logProbs: rows };
}

function logSumExp(xs: number[]): number {
  const max = Math.max(...xs);
  if (!Number.isFinite(max)) return max;
  return max + Math.log(xs.reduce((s, x) => s + Math.exp(x - max), 0));
}
