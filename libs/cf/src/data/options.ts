import { InputError, preview } from '@vaecf/errors';
import { z } from 'zod';
import { RATINGS_FORMATS } from './formats';
import { unknownKeysError } from './unknown-keys';

export const PRESETS = {
  /** The paper's ML-20M setting (vae_cf notebook). */
  'ml-20m': { threshold: 3.5, minUserCount: 5, minItemCount: 0, heldoutUsers: 10_000, split: 'numpy' },
  /** Netflix Prize, as the paper. */
  netflix: { threshold: 3.5, minUserCount: 5, minItemCount: 0, heldoutUsers: 40_000, split: 'numpy' },
  /** Million Song Dataset taste profile: every play counts; users >= 20 songs, songs >= 200 users. */
  msd: { threshold: null, minUserCount: 20, minItemCount: 200, heldoutUsers: 50_000, split: 'numpy' },
} as const;
export type PresetName = keyof typeof PRESETS;

const INT32_MAX = 2 ** 31 - 1;
/** Counts index Int32 arrays; larger numbers cannot mean anything. */
const count = z.number().int().min(0).max(INT32_MAX);
const csvColumn = z.union([z.string().min(1).max(256), z.number().int().min(0).max(10_000)]);

/**
 * How users and held-out items are drawn. `vaecf`: vaecf's own stream.
 * `numpy`: the paper notebook's split bit for bit (NumPy's legacy MT19937
 * seeded with `seed`, see notebook-split.ts), the default of the presets.
 */
export const SPLIT_METHODS = ['vaecf', 'numpy'] as const;
export type SplitMethod = (typeof SPLIT_METHODS)[number];

/** Besides the ratings formats: a directory of the notebook's pro_sg files, loaded as they are. */
export const PREPARE_FORMATS = [...RATINGS_FORMATS, 'pro_sg'] as const;

const csvShape = {
  user: csvColumn,
  item: csvColumn,
  rating: csvColumn.optional(),
  delimiter: z
    .string()
    .min(1)
    .max(8)
    .refine((d) => !/["\r\n]/.test(d), 'must not contain a quote or a line break')
    .optional(),
  header: z.boolean().optional(),
};

const optionsShape = {
  format: z.enum(PREPARE_FORMATS),
  /** Column mapping of a `csv` file (required for it, refused for the fixed formats). */
  csv: z.strictObject(csvShape, unknownKeysError(Object.keys(csvShape))).optional(),
  /** Keep interactions with rating > threshold; null keeps all (play counts). */
  threshold: z.number().min(-1e9).max(1e9).nullable(),
  /** Drop items with fewer users than this (applied first). */
  minItemCount: count,
  /** Then drop users with fewer items than this. */
  minUserCount: count,
  /**
   * Validation users and test users (N each). Unset: 10% of the users left
   * after filtering each, at least 1 and at most 10,000 (defaultHeldoutUsers).
   */
  heldoutUsers: count.min(1).optional(),
  /** Fraction of a held-out user's items that is held out (the rest is fold-in). */
  heldoutFraction: z.number().gt(0).lt(1),
  seed: z
    .number()
    .int()
    .min(-(2 ** 31))
    .max(INT32_MAX),
  /**
   * Before binarizing, sample the same number of events for every rating
   * value (the count of the rarest). Off by default: it reproduces a
   * reference notebook's class balancing, not the paper's preprocessing.
   */
  undersampleRatings: z.boolean(),
  split: z.enum(SPLIT_METHODS),
};

export const prepareOptionsSchema = z.strictObject(optionsShape, unknownKeysError(Object.keys(optionsShape)));

export type PrepareOptions = z.infer<typeof prepareOptionsSchema>;
export type PrepareOptionsInput = Partial<PrepareOptions> & {
  format: PrepareOptions['format'];
  preset?: PresetName;
};

/** Options with the paper's defaults, a preset's values, then the caller's; throws naming the field. */
export function resolvePrepareOptions(input: PrepareOptionsInput): PrepareOptions {
  const { preset, ...rest } = input;
  if (preset !== undefined && !(preset in PRESETS)) {
    throw new PrepareOptionsError('preset', `must be one of ${Object.keys(PRESETS).join(', ')}`, preset);
  }
  const defaults = {
    threshold: input.format === 'msd' ? null : 3.5,
    minItemCount: 0,
    minUserCount: 5,
    heldoutFraction: 0.2,
    seed: 98765,
    undersampleRatings: false,
    split: 'vaecf' as SplitMethod,
  };
  const merged = { ...defaults, ...(preset ? PRESETS[preset] : {}), ...withoutUndefined(rest) };
  const r = prepareOptionsSchema.safeParse(merged);
  if (!r.success) {
    const issue = r.error.issues[0];
    // An unknown key is named by itself (its issue sits on the enclosing object).
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    throw new PrepareOptionsError(path.join('.'), issue.message, undefined);
  }
  if (r.data.split === 'numpy') {
    // np.random.seed takes 0..2^32-1, and the notebook never undersamples.
    if (r.data.seed < 0 || r.data.seed > 0xffffffff)
      throw new PrepareOptionsError('seed', 'the numpy split needs a seed in [0, 2^32)', r.data.seed);
    if (r.data.undersampleRatings)
      throw new PrepareOptionsError('undersampleRatings', 'cannot be combined with the numpy split', true);
  }
  const csvProblem = csvMappingProblem(r.data);
  if (csvProblem) throw new PrepareOptionsError('csv', csvProblem, undefined);
  return r.data;
}

/** Why the column mapping does not go with the format: `csv` needs one, the fixed formats take none. */
export function csvMappingProblem(o: { format?: string; csv?: unknown }): string | null {
  if (o.format === 'csv' && o.csv === undefined)
    return 'format "csv" needs a column mapping: csv: { user, item } (column names or 0-based indexes)';
  if (o.format !== undefined && o.format !== 'csv' && o.csv !== undefined)
    return `a column mapping is only read with format "csv" (format is "${o.format}")`;
  return null;
}

/**
 * Held-out users (N each for validation and test) when heldoutUsers is unset:
 * 10% of the users each, at least 1, at most the 10,000 of the paper's
 * ML-20M setting. The presets keep the paper's numbers.
 */
export function defaultHeldoutUsers(users: number): number {
  return Math.min(10_000, Math.max(1, Math.floor(users / 10)));
}

export class PrepareOptionsError extends InputError {
  constructor(
    field: string,
    problem: string,
    readonly value: unknown,
  ) {
    super(
      `invalid preprocessing option ${field}: ${problem}${value === undefined ? '' : ` (got ${preview(value)})`}`,
      field,
      problem,
    );
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
