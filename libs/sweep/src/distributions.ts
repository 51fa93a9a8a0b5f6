import { z } from 'zod';

/**
 * How one hyperparameter varies across trials. `choice` holds any JSON values
 * (numbers, or lists such as layer dims); the numeric ones are sampled.
 */
export const distributionSchema = z.discriminatedUnion('type', [
  z
    .object({ type: z.literal('choice'), values: z.array(z.unknown()).min(1, 'needs at least one value') })
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
  if (d.type === 'choice') return null;
  if (d.low > d.high) return `low (${d.low}) is greater than high (${d.high})`;
  if (d.type === 'int' && d.step && (d.high - d.low) % d.step !== 0)
    return `high - low must be a multiple of step ${d.step}`;
  return null;
}

/** The finite values of a distribution, for grid search; null when it is continuous. */
export function gridValues(d: Distribution): readonly unknown[] | null {
  switch (d.type) {
    case 'choice':
      return d.values;
    case 'int': {
      const step = d.step ?? 1;
      return Array.from({ length: Math.floor((d.high - d.low) / step) + 1 }, (_, k) => d.low + k * step);
    }
    case 'uniform':
      if (!d.q) return null;
      return Array.from({ length: Math.floor((d.high - d.low) / d.q + 1e-9) + 1 }, (_, k) =>
        roundTo(d.low + k * d.q!, d.q!),
      );
    case 'loguniform':
      return null;
  }
}

/** Draws one value given a uniform deviate source. */
export function sampleValue(d: Distribution, uniform: () => number): unknown {
  switch (d.type) {
    case 'choice':
      return d.values[Math.floor(uniform() * d.values.length)];
    case 'int': {
      const values = gridValues(d)!;
      return values[Math.floor(uniform() * values.length)];
    }
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
  const decimals = Math.max(0, -Math.floor(Math.log10(q)) + 2);
  return Number(x.toFixed(decimals));
}
