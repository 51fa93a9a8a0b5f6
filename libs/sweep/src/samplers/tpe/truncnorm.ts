import erfc from '@stdlib/math-base-special-erfc';
import erfcinv from '@stdlib/math-base-special-erfcinv';

/**
 * The normal distribution truncated to [a, b], in standard units. The Parzen
 * estimators of TPE are mixtures of these (Optuna's `_truncnorm`).
 */
const SQRT2 = Math.SQRT2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Floor for a probability mass, so that a log never becomes -Infinity (and a difference of two never NaN). */
const TINY = 1e-300;

const cdf = (z: number) => 0.5 * erfc(-z / SQRT2);
const ppf = (p: number) => -SQRT2 * erfcinv(2 * p);

/** log(Phi(b) - Phi(a)) for a <= b, computed in the tail where it does not cancel out. */
export function logGaussMass(a: number, b: number): number {
  let mass: number;
  if (a >= 0) mass = 0.5 * (erfc(a / SQRT2) - erfc(b / SQRT2));
  else if (b <= 0) mass = 0.5 * (erfc(-b / SQRT2) - erfc(-a / SQRT2));
  else mass = 1 - 0.5 * erfc(-a / SQRT2) - 0.5 * erfc(b / SQRT2);
  return Math.log(Math.max(mass, TINY));
}

/** Log density at x of N(mu, sigma), untruncated (the Parzen estimator subtracts each kernel's precomputed log mass). */
export function normalLogPdf(x: number, mu: number, sigma: number): number {
  const z = (x - mu) / sigma;
  return -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma);
}

/**
 * Log probability that N(mu, sigma) truncated to [low - step/2, high + step/2]
 * falls in the bin of width `step` around x: the mass of a quantised value.
 */
export function discreteTruncNormLogPmf(
  x: number,
  mu: number,
  sigma: number,
  low: number,
  high: number,
  step: number,
): number {
  const half = step / 2;
  const bin = logGaussMass((x - half - mu) / sigma, (x + half - mu) / sigma);
  return bin - logGaussMass((low - half - mu) / sigma, (high + half - mu) / sigma);
}

/** A draw from N(mu, sigma) truncated to [low, high], by inverting the CDF at a uniform deviate u in [0, 1). */
export function truncNormSample(u: number, mu: number, sigma: number, low: number, high: number): number {
  const pa = cdf((low - mu) / sigma);
  const pb = cdf((high - mu) / sigma);
  const x = mu + sigma * ppf(pa + u * (pb - pa));
  return Number.isFinite(x) ? Math.min(high, Math.max(low, x)) : mu;
}
