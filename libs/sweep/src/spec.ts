import { InputError } from '@vaecf/errors';
import { z } from 'zod';
import { distributionProblem, distributionSchema, gridCount } from './distributions';
import { betaProtocolProblem } from './samplers/beta-protocol';
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

/** The validation metrics a sweep can optimise (the epoch reports' names; all higher-is-better). */
export const OBJECTIVE_METRICS = ['ndcg100', 'recall20', 'recall50'] as const;
export type ObjectiveMetric = (typeof OBJECTIVE_METRICS)[number];

const objective = z
  .object({
    metric: z.enum(OBJECTIVE_METRICS).default('ndcg100'),
    /** Ranking metrics are maximised; the field exists so that a spec says so explicitly. */
    direction: z
      .literal('maximize', { message: 'ranking metrics are maximised: use "maximize"' })
      .default('maximize'),
  })
  .strict();

/** The reference models a sweep trains on its split beside its trials (libs/cf fitBaseline). */
export const BASELINE_NAMES = ['popularity', 'ease'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** `ease` with its own lambda grid (default: libs/cf EASE_LAMBDA_GRID). */
const easeBaseline = z
  .object({
    model: z.literal('ease'),
    lambdas: z.array(z.number().positive().max(1e9)).min(1).max(20),
  })
  .strict();
const baselineEntry = z.union([z.enum(BASELINE_NAMES), easeBaseline]);
export type BaselineEntry = z.infer<typeof baselineEntry>;

/** A spec's baselines as { model, lambdas? }, in the spec's order. */
export function baselinesOf(spec: {
  readonly baselines: readonly BaselineEntry[];
}): { model: BaselineName; lambdas?: number[] }[] {
  return spec.baselines.map((b) =>
    typeof b === 'string' ? { model: b } : { model: b.model, lambdas: b.lambdas },
  );
}

export const sweepSpecSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    /** Id of a prepared dataset. */
    dataset: z.string().min(1),
    model: z.enum(['vae', 'dae', 'recvae']),
    /**
     * What the sweep optimises: used by the samplers, the schedulers, each
     * trial's best epoch, the sweep's best trial and its promotion.
     */
    objective: objective.default({ metric: 'ndcg100', direction: 'maximize' }),
    /**
     * Hyperparameters shared by every trial (TrialConfig fields), and the run
     * settings (RUN_SETTINGS: the compute engine and its threads).
     */
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
        z
          .object({
            /** The paper's beta protocol (section 2.2.2): see samplers/beta-protocol.ts. */
            method: z.literal('beta'),
            /** Stage 2 trains every configuration of the space with the chosen beta, or only the best one. */
            stage2: z.enum(['all', 'best']).default('all'),
            /**
             * Minibatch updates over which beta rises from 0 to 1 in stage 1 (and at the same rate to the
             * chosen cap in stage 2). Filled in at submit from the dataset, so that stage 1 reaches 1 at its
             * last epoch, when not given.
             */
            annealSteps: z.number().int().min(1).max(1e9).optional(),
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
    /**
     * Reference models fitted on the same split when the trials are done (at finalize), shown
     * beside the trials and compared with the best one: `[]` for none.
     */
    baselines: z.array(baselineEntry).max(BASELINE_NAMES.length).default(['popularity', 'ease']),
  })
  .strict()
  .superRefine((spec, ctx) => {
    // zod runs this refinement even when a field check above failed (a step of 0, a negative q):
    // nothing below may assume the fields are valid, and the grid is only sized when every
    // distribution is sound.
    let sound = true;
    for (const [name, d] of Object.entries(spec.space)) {
      const problem = distributionProblem(d);
      if (problem) {
        sound = false;
        ctx.addIssue({ code: 'custom', path: ['space', name], message: problem });
      }
      if (Object.hasOwn(spec.fixed, name))
        ctx.addIssue({
          code: 'custom',
          path: ['space', name],
          message: `is also in fixed; give it in one place`,
        });
    }
    const seen = new Set<string>();
    spec.baselines.forEach((b, k) => {
      const model = typeof b === 'string' ? b : b.model;
      if (seen.has(model))
        ctx.addIssue({ code: 'custom', path: ['baselines', k], message: `${model} is listed twice` });
      seen.add(model);
    });
    if (spec.search.method === 'beta') {
      const problem = betaProtocolProblem(spec);
      if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    }
    if (sound && (spec.search.method === 'grid' || spec.search.method === 'beta')) {
      const size = gridSize(spec.space);
      const continuous = Object.keys(spec.space).find((name) => gridCount(spec.space[name]) === null);
      if (continuous !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['space', continuous],
          message: 'grid search needs finite values (choice, int, or uniform with q)',
        });
      } else if (!Number.isSafeInteger(size) || size * spec.limits.repeats > MAX_GRID_SIZE) {
        ctx.addIssue({
          code: 'custom',
          path: ['search'],
          message: `the grid has ${size} points x ${spec.limits.repeats} repeats, more than the limit of ${MAX_GRID_SIZE}`,
        });
      }
    }
  });

/**
 * Keys of `fixed` that say how the trials run, not what they train: the
 * compute engine (`engine`) and its threads per trial (`threads`). They are
 * no trial hyperparameters (a trial's params never hold them) and cannot be
 * searched: engines compute the same model within float tolerance, so a
 * search over them would only measure rounding. libs/orchestration checks their
 * values at submit; the worker reads them when it runs a trial.
 */
export const RUN_SETTINGS = ['engine', 'threads'] as const;
export type RunSetting = (typeof RUN_SETTINGS)[number];

/** The run settings a spec fixes (absent: the worker's own). */
export function runSettingsOf(spec: Pick<SweepSpec, 'fixed'>): {
  readonly engine?: string;
  readonly threads?: number | 'auto';
} {
  const { engine, threads } = spec.fixed as { engine?: string; threads?: number | 'auto' };
  return { ...(engine !== undefined && { engine }), ...(threads !== undefined && { threads }) };
}

/** `fixed` without the run settings: the hyperparameters every trial shares. */
export function fixedHyperparameters(spec: Pick<SweepSpec, 'fixed'>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(spec.fixed).filter(([k]) => !(RUN_SETTINGS as readonly string[]).includes(k)),
  );
}

export type SweepSpecInput = z.input<typeof sweepSpecSchema>;
export type SweepSpec = z.output<typeof sweepSpecSchema>;

export class SpecError extends InputError {
  constructor(field: string, problem: string) {
    super(`invalid sweep spec: ${field}: ${problem}`, field, problem);
  }
}

/**
 * Names that belong to Object.prototype's machinery, never a hyperparameter.
 * JSON.parse and the YAML reader give a `__proto__` key as an own property,
 * but zod's record parser skips it without a word, and `in` finds
 * `constructor` on every object: so they are refused by name, on the raw
 * input, before the schema can drop them.
 */
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** The first reserved key of `fixed` or `space` (own keys only), as a SpecError, or null. */
function reservedKeyError(input: unknown): SpecError | null {
  if (input === null || typeof input !== 'object') return null;
  for (const section of ['fixed', 'space'] as const) {
    const map: unknown = Object.hasOwn(input, section) ? (input as Record<string, unknown>)[section] : null;
    if (map === null || typeof map !== 'object' || Array.isArray(map)) continue;
    const key = Object.keys(map).find((k) => RESERVED_KEYS.includes(k));
    if (key !== undefined)
      return new SpecError(`${section}.${key}`, `"${key}" is a reserved name, not a hyperparameter`);
  }
  return null;
}

/** Validates a parsed JSON/YAML object; throws SpecError naming the first bad field. */
export function parseSweepSpec(input: unknown): SweepSpec {
  const reserved = reservedKeyError(input);
  if (reserved) throw reserved;
  const r = sweepSpecSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new SpecError(issue.path.map(String).join('.') || '(spec)', issue.message);
}
