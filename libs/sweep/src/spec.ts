import { InputError } from '@vaecf/errors';
import { z } from 'zod';
import { distributionProblem, distributionSchema } from './distributions';
import { gridSize } from './samplers/grid';
import { TPE_DEFAULTS } from './samplers/tpe';

/** Grids larger than this are refused: a typo in a space should not enqueue a million trials. */
export const MAX_GRID_SIZE = 10_000;
export const MAX_TRIALS = 10_000;

const asha = z
  .object({
    type: z.literal('asha'),
    gracePeriod: z.number().int().min(1).default(1),
    reductionFactor: z.number().gt(1).default(3),
    /** Defaults to the trial's epochs. */
    maxEpochs: z.number().int().min(1).optional(),
  })
  .strict();
const median = z
  .object({
    type: z.literal('median'),
    warmupEpochs: z.number().int().min(0).default(2),
    minPeers: z.number().int().min(1).default(3),
  })
  .strict();
const none = z.object({ type: z.literal('none') }).strict();

export const sweepSpecSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    /** Id of a prepared dataset. */
    dataset: z.string().min(1),
    model: z.enum(['vae', 'dae']),
    /** Hyperparameters shared by every trial (TrialConfig fields). */
    fixed: z.record(z.string(), z.unknown()).default({}),
    /** TrialConfig field -> distribution. */
    space: z.record(z.string(), distributionSchema).default({}),
    search: z
      .discriminatedUnion('method', [
        z.object({ method: z.literal('grid') }).strict(),
        z
          .object({
            method: z.literal('random'),
            trials: z.number().int().min(1).max(MAX_TRIALS),
            seed: z.number().int().default(0),
          })
          .strict(),
        z
          .object({
            method: z.literal('tpe'),
            trials: z.number().int().min(1).max(MAX_TRIALS),
            seed: z.number().int().default(0),
            /** Random trials before TPE models the finished ones. */
            nStartup: z.number().int().min(1).max(MAX_TRIALS).default(TPE_DEFAULTS.nStartup),
            /** Fraction of finished trials taken as the good ones (at most 25 of them). */
            gamma: z.number().gt(0).max(1).default(TPE_DEFAULTS.gamma),
          })
          .strict(),
      ])
      .default({ method: 'grid' }),
    scheduler: z.discriminatedUnion('type', [asha, median, none]).default({ type: 'none' }),
    limits: z
      .object({
        /** Trials of this sweep running at once. */
        maxConcurrent: z.number().int().min(1).max(1000).default(4),
        /** Each configuration runs this many times with seeds seed, seed+1, ... */
        repeats: z.number().int().min(1).max(100).default(1),
        /** Cap on trials (configurations x repeats). */
        maxTrials: z.number().int().min(1).max(MAX_TRIALS).default(MAX_TRIALS),
      })
      .strict()
      .default({ maxConcurrent: 4, repeats: 1, maxTrials: MAX_TRIALS }),
    /**
     * Which trial checkpoints survive. While the sweep runs, every running
     * trial's and (by default) every finished trial's; `keepFinished` keeps
     * only the best few finished ones. After the end the best trial's is
     * promoted to the sweep's model and `keepAfterEnd` trial checkpoints stay.
     */
    checkpoints: z
      .object({
        keepFinished: z.number().int().min(0).optional(),
        keepAfterEnd: z.number().int().min(0).default(0),
      })
      .strict()
      .default({ keepAfterEnd: 0 }),
  })
  .strict()
  .superRefine((spec, ctx) => {
    for (const [name, d] of Object.entries(spec.space)) {
      const problem = distributionProblem(d);
      if (problem) ctx.addIssue({ code: 'custom', path: ['space', name], message: problem });
      if (name in spec.fixed)
        ctx.addIssue({
          code: 'custom',
          path: ['space', name],
          message: `is also in fixed; give it in one place`,
        });
    }
    if (spec.search.method === 'grid') {
      const size = gridSize(spec.space);
      if (size === Infinity) {
        const name = Object.entries(spec.space).find(
          ([, d]) => d.type === 'loguniform' || (d.type === 'uniform' && !d.q),
        )![0];
        ctx.addIssue({
          code: 'custom',
          path: ['space', name],
          message: 'grid search needs finite values (choice, int, or uniform with q)',
        });
      } else if (size * spec.limits.repeats > MAX_GRID_SIZE) {
        ctx.addIssue({
          code: 'custom',
          path: ['search'],
          message: `the grid has ${size} points x ${spec.limits.repeats} repeats, more than the limit of ${MAX_GRID_SIZE}`,
        });
      }
    }
  });

export type SweepSpecInput = z.input<typeof sweepSpecSchema>;
export type SweepSpec = z.output<typeof sweepSpecSchema>;

export class SpecError extends InputError {
  constructor(field: string, problem: string) {
    super(`invalid sweep spec: ${field}: ${problem}`, field, problem);
  }
}

/** Validates a parsed JSON/YAML object; throws SpecError naming the first bad field. */
export function parseSweepSpec(input: unknown): SweepSpec {
  const r = sweepSpecSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new SpecError(issue.path.map(String).join('.') || '(spec)', issue.message);
}
