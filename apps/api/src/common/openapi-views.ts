import { trialConfigInputSchema } from '@vaecf/cf';
import { DATASET_STATES, SWEEP_STATES } from '@vaecf/store';
import { OBJECTIVE_METRICS, TRIAL_STATES } from '@vaecf/sweep';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/*
 * The shapes of the API's answers, for the OpenAPI document only (answers
 * are built from the records of @vaecf/store, whose types these follow).
 */

const metrics = z.object({
  ndcg100: z.number(),
  recall20: z.number(),
  recall50: z.number(),
  users: z.number(),
});

const headline = z.object({ ndcg100: z.number(), recall20: z.number(), recall50: z.number() });

const baseline = z.object({
  model: z.enum(['popularity', 'ease']),
  status: z.enum(['completed', 'skipped', 'failed']),
  reason: z.string().optional().describe('why it was skipped (memory limit) or failed'),
  lambda: z.number().optional().describe('EASE: the L2 weight chosen on the validation users'),
  grid: z
    .array(z.object({ lambda: z.number(), validation: headline }))
    .optional()
    .describe('EASE: every lambda tried'),
  validation: headline.optional(),
  test: metrics.optional(),
  seconds: z.number().optional(),
});

const metricComparison = z.object({
  users: z.number().int().describe('test users paired (those with held-out items)'),
  meanA: z.number().describe("the best trial's mean"),
  meanB: z.number().describe("the reference's mean"),
  difference: z.number().describe('mean of the per-user differences A - B'),
  ci: z.tuple([z.number(), z.number()]).describe('percentile bootstrap interval of the difference'),
  pValue: z.number().describe("two-sided Wilcoxon signed-rank p-value, Pratt's zeros"),
  zeros: z.number().int().describe('users with equal values'),
});

const comparison = z.object({
  against: z.union([
    z.object({ kind: z.literal('baseline'), model: z.string() }),
    z.object({ kind: z.literal('sweep'), sweep: z.string() }),
  ]),
  bootstrap: z.object({ resamples: z.number().int(), seed: z.number().int(), level: z.number() }),
  seeds: z
    .number()
    .int()
    .optional()
    .describe("seeds of the best configuration in A's per-user mean vector (absent on older sweeps: 1)"),
  test: z.string(),
  metrics: z.object({ ndcg100: metricComparison, recall20: metricComparison, recall50: metricComparison }),
});

export class ComparisonDto extends createZodDto(
  z.object({
    sweep: z.string(),
    split: z.string().describe("the test split's identity (SHA-256 of its users and items)"),
    best: z
      .object({
        trial: z.number().int().describe("the best configuration's best seed (the sweep's model)"),
        configuration: z.number().int(),
        seeds: z.number().int().describe('completed seeds of the configuration averaged into A'),
        test: metrics.describe('the mean over those seeds of their test metrics'),
      })
      .describe('the best configuration (by its mean validation value over seeds)'),
    baselines: z.array(baseline),
    comparisons: z.array(comparison),
  }),
) {}

const sweepView = z.object({
  id: z.string(),
  spec: z.record(z.string(), z.unknown()).describe('the validated spec, defaults filled in'),
  state: z.enum(SWEEP_STATES),
  createdAt: z.number(),
  updatedAt: z.number(),
  planned: z.number().int().describe('trials the search will run in all'),
  nextTrial: z.number().int(),
  bestTrial: z.number().int().optional().describe("the best configuration's best seed: the sweep's model"),
  bestConfiguration: z
    .object({
      configuration: z.number().int(),
      trials: z.array(z.number().int()).describe('its trials, one per seed'),
      seeds: z.number().int().describe('seeds in the mean'),
      mean: z.number().describe('mean over the seeds of their best validation value of the objective'),
      sd: z.number().optional().describe('their sample standard deviation (absent with one seed)'),
      tested: z.array(z.number().int()).describe('the completed seeds tested: `test` is their mean'),
    })
    .optional()
    .describe('the configuration chosen by its mean over seeds (limits.repeats), once the sweep is done'),
  test: metrics
    .optional()
    .describe("the best configuration's test metrics (mean over its tested seeds), once the sweep is done"),
  error: z.string().optional(),
  queue: z.string().describe('the trials queue it runs on'),
  note: z.string().optional(),
  baselines: z
    .array(baseline)
    .optional()
    .describe("the spec's baselines, fitted on the same split at finalize"),
  split: z.string().optional().describe("the test split's identity, once the sweep is done"),
  comparisons: z.array(comparison).optional().describe('the best trial against each completed baseline'),
  trials: z.record(z.enum(TRIAL_STATES), z.number().int()).describe('trial counts by state'),
  best: z
    .object({ trial: z.number().int(), metric: z.enum(OBJECTIVE_METRICS), value: z.number() })
    .nullable()
    .describe('the best trial so far by the objective, with its best validation value'),
  events: z
    .array(
      z.object({
        at: z.number(),
        action: z.enum(['cancelled', 'extended', 'resumed']),
        trials: z.number().int().optional(),
        requeued: z.number().int().optional(),
      }),
    )
    .describe('what was done to the sweep after its submit, in order'),
});
export class SweepViewDto extends createZodDto(sweepView) {}
export class SubmittedSweepDto extends createZodDto(
  sweepView.extend({
    warnings: z
      .array(z.string())
      .optional()
      .describe(
        'what keeps the sweep from running now though it is valid: no live worker can load its fixed.engine (its trials wait until one joins)',
      ),
  }),
) {}
export class SweepPageDto extends createZodDto(
  z.object({
    sweeps: z.array(sweepView),
    total: z.number().int().describe('sweeps in all (in the state asked for)'),
    offset: z.number().int(),
    limit: z.number().int(),
  }),
) {}

const trialEngine = z.object({
  name: z.string().describe('the engine (onnxruntime, onnxruntime-webgpu, onnxruntime-cuda, tfjs-wasm, ...)'),
  provider: z
    .string()
    .describe('its execution provider or tfjs backend (cpu, webgpu, cuda; wasm, tensorflow, cpu)'),
  device: z.string().describe('"cpu", or "gpu:<index>"'),
  threads: z.number().int().describe('threads per program run'),
});

const trial = z.object({
  no: z.number().int(),
  params: trialConfigInputSchema.describe(
    "the hyperparameters the sweep set for it (fixed and sampled); the rest are the model's defaults",
  ),
  configuration: z
    .number()
    .int()
    .optional()
    .describe('the configuration it runs: with limits.repeats, its seeds share every other hyperparameter'),
  state: z.enum(TRIAL_STATES),
  createdAt: z.number(),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  worker: z.string().optional(),
  backend: z.string().optional().describe("the engine's name (older trials: the TensorFlow.js backend)"),
  engine: trialEngine
    .optional()
    .describe('the engine, provider, device and threads its current attempt started with'),
  engineChanges: z
    .array(
      z.object({
        attempt: z.number().int(),
        at: z.number(),
        worker: z.string(),
        from: trialEngine,
        to: trialEngine,
      }),
    )
    .optional()
    .describe('resumes that continued on another engine or thread count (not bit-identical), in order'),
  engineWait: z
    .string()
    .optional()
    .describe('why it waits: the last worker that took it could not load its fixed engine'),
  epochs: z.number().int(),
  best: z.number().optional().describe("best validation value of the sweep's objective so far"),
  reason: z.string().optional(),
  attempts: z.number().int(),
  attempt: z
    .number()
    .int()
    .describe("the trial's fencing token: attempts claimed so far; only the current one's writes are taken"),
  owner: z.string().optional().describe('the worker that claimed the current attempt'),
  checkpoint: z
    .object({ attempt: z.number().int(), epoch: z.number().int() })
    .optional()
    .describe("the trial's last committed checkpoint: the attempt that wrote it and its epoch"),
});
export class TrialRowDto extends createZodDto(
  trial.extend({
    latest: z.record(z.string(), z.number()).optional().describe("the last epoch's validation metrics"),
    seeds: z
      .object({
        mean: z.number().describe("mean over the configuration's seeds of their best validation value"),
        sd: z.number().optional().describe('their sample standard deviation (absent with one seed)'),
        count: z.number().int().describe('seeds in the mean (reported an epoch, not cancelled)'),
      })
      .optional()
      .describe('its configuration over seeds (the ranking: by best, configurations by this mean first)'),
  }),
) {}
export class TrialDto extends createZodDto(
  trial.extend({ history: z.array(z.record(z.string(), z.unknown())).describe('one report per epoch') }),
) {}

export class DatasetDto extends createZodDto(
  z.object({
    id: z.string(),
    state: z.enum(DATASET_STATES),
    source: z.string(),
    sourceName: z
      .string()
      .optional()
      .describe("the file as the user knows it: the path given, or an upload's `filename`"),
    options: z.record(z.string(), z.unknown()),
    stats: z.record(z.string(), z.unknown()).optional(),
    error: z
      .string()
      .optional()
      .describe(
        'why it failed (naming the file by sourceName; control characters escaped, at most 500 characters)',
      ),
    createdAt: z.number(),
    updatedAt: z.number(),
  }),
) {}

export class RecommendationsDto extends createZodDto(
  z.object({
    items: z.array(z.object({ item: z.string(), score: z.number() })),
    unknownItems: z.array(z.string()),
  }),
) {}

export class HealthDto extends createZodDto(
  z.object({
    status: z.enum(['ok', 'down']),
    redis: z.enum(['up', 'down']),
    trialsQueue: z.enum(['up', 'down']),
    datasetsQueue: z.enum(['up', 'down']),
  }),
) {}

export class ImportanceDto extends createZodDto(
  z.object({
    method: z.literal('ped-anova'),
    metric: z.enum(OBJECTIVE_METRICS),
    trials: z.number().int().describe('completed trials it was computed from'),
    needed: z.number().int().describe('completed trials PED-ANOVA needs (3)'),
    insufficient: z
      .boolean()
      .describe('fewer completed trials than needed: nothing can be told yet, and importance is empty'),
    importance: z
      .record(z.string(), z.number())
      .describe('searched hyperparameter -> share (sums to 1); empty when insufficient'),
  }),
) {}

export class WorkerDto extends createZodDto(
  z.object({
    id: z.string(),
    metrics: z.string().nullable().describe('host:port of its /metrics, or null when it serves none'),
    backend: z.string().describe('the engine of trials whose sweep fixes none'),
    engines: z
      .array(z.string())
      .optional()
      .describe('the engines it can load: it runs only trials whose fixed engine is one'),
    queue: z.string().optional(),
    pid: z.number().int(),
    startedAt: z.number(),
    expiresAt: z.number().describe('the entry is stale past this time (ms) without a heartbeat'),
  }),
) {}

export class PrometheusTargetsDto extends createZodDto(
  z.object({
    targets: z.array(z.string()).describe('host:port'),
    labels: z.record(z.string(), z.string()),
  }),
) {}
