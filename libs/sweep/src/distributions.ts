import { z } from 'zod';

/**
 * How one hyperparameter varies across trials. `choice` holds any JSON values
 * (numbers, or lists such as layer dims); the numeric ones are sampled.
 * Nothing here ever enumerates a range: a value is computed from its index
 * (grids) or from a uniform deviate (random search), so `int` from 0 to 2^31
 * costs no more than `int` from 0 to 3.
 */
/** More choices than this is a mistake (and a grid of them would be refused anyway). */
export const MAX_CHOICE_VALUES = 10_000;

export const distributionSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('choice'),
      values: z.array(z.unknown()).min(1, 'needs at least one value').max(MAX_CHOICE_VALUES),
    })
    .strict(),
  z
    .object({
      type: z.literal('uniform'),
      low: z.number(),
      high: z.number(),
      q: z.number().positive().optional(),
    })
    .strict(),
  z
    .object({ type: z.literal('loguniform'), low: z.number().positive(), high: z.number().positive() })
    .strict(),
  z
    .object({
      type: z.literal('int'),
      low: z.number().int(),
      high: z.number().int(),
      step: z.number().int().positive().optional(),
    })
    .strict(),
]);

export type Distribution = z.infer<typeof distributionSchema>;

/** A space: parameter name -> distribution. */
export type SearchSpace = Readonly<Record<string, Distribution>>;

/** One point of a space. */
export type Params = Record<string, unknown>;

/** Checks bounds that the schema cannot express; returns the problem or null. */
export function distributionProblem(d: Distribution): string | null {
  if (d.type === 'choice') return Array.isArray(d.values) && d.values.length > 0 ? null : 'needs values';
  // The schema's own checks may have failed already (zod still runs refinements): check again.
  if (!Number.isFinite(d.low) || !Number.isFinite(d.high)) return 'low and high must be finite numbers';
  if (d.type === 'int' && d.step !== undefined && !(Number.isSafeInteger(d.step) && d.step > 0))
    return `step must be a positive integer, got ${d.step}`;
  if (d.type === 'uniform' && d.q !== undefined && !(Number.isFinite(d.q) && d.q > 0))
    return `q must be a positive number, got ${d.q}`;
  if (d.type === 'loguniform' && !(d.low > 0)) return `low must be positive, got ${d.low}`;
  if (d.low > d.high) return `low (${d.low}) is greater than high (${d.high})`;
  if (!Number.isFinite(d.high - d.low)) return `the range ${d.low} to ${d.high} is too wide to sample`;
  if (d.type === 'int' && d.step && (d.high - d.low) % d.step !== 0)
    return `high - low must be a multiple of step ${d.step}`;
  const count = gridCount(d);
  if (count !== null && !Number.isSafeInteger(count)) {
    const by = d.type === 'uniform' ? `q (${d.q})` : `step (${d.type === 'int' ? (d.step ?? 1) : ''})`;
    return `${by} splits ${d.low} to ${d.high} into more values than can be counted; use a larger one`;
  }
  return null;
}

/**
 * The number of values of a distribution, for grid search; null when it is
 * continuous. Computed, never enumerated (`distributionProblem` has checked
 * that it is a safe integer).
 */
export function gridCount(d: Distribution): number | null {
  switch (d.type) {
    case 'choice':
      return d.values.length;
    case 'int':
      return Math.floor((d.high - d.low) / (d.step ?? 1)) + 1;
    case 'uniform':
      return d.q ? Math.floor((d.high - d.low) / d.q + 1e-9) + 1 : null;
    case 'loguniform':
      return null;
  }
}

/** The k-th value (0-based) of a distribution with a finite grid. */
export function gridValueAt(d: Distribution, k: number): unknown {
  switch (d.type) {
    case 'choice':
      return d.values[k];
    case 'int':
      return d.low + k * (d.step ?? 1);
    case 'uniform':
      if (!d.q) throw new RangeError('a uniform distribution without q has no grid');
      return roundTo(d.low + k * d.q, d.q);
    case 'loguniform':
      throw new RangeError('a loguniform distribution has no grid');
  }
}

/** Draws one value given a uniform deviate source (values in [0, 1)). */
export function sampleValue(d: Distribution, uniform: () => number): unknown {
  switch (d.type) {
    case 'choice':
    case 'int':
      return gridValueAt(d, Math.floor(uniform() * gridCount(d)!));
    case 'uniform': {
      const x = d.low + uniform() * (d.high - d.low);
      return d.q ? Math.min(d.high, roundTo(d.low + Math.round((x - d.low) / d.q) * d.q, d.q)) : x;
    }
    case 'loguniform':
      return Math.exp(Math.log(d.low) + uniform() * (Math.log(d.high) - Math.log(d.low)));
  }
}

/** Rounds away float noise from multiples of q (0.1 * 3 -> 0.3). */
function roundTo(x: number, q: number): number {
  const decimals = Math.min(100, Math.max(0, -Math.floor(Math.log10(q)) + 2));
  return Number(x.toFixed(decimals));
}
