import { trialConfigInputSchema, type TrialConfigInput } from '@vaecf/cf';
import { SWEEP_STATES, sweepSpecSchema, TRIAL_STATES, type SweepSpec, type SweepState } from '@vaecf/sweep';
import { z } from 'zod';
import type { DeepReadonly } from './deep-readonly';

// Defined in libs/sweep (light enough for the CLI to import), re-exported beside the records.
export { SWEEP_STATES, type SweepState };

/*
 * The records as the store reads them, and as the API serves them: each one
 * a zod schema, the one source of its TypeScript type (z.infer, deeply
 * readonly) and of its OpenAPI schema (libs/orchestration views.ts extends
 * them into the API's answers, apps/api wraps those in DTOs). `.describe()`
 * texts are for API users (they appear in docs/openapi.json); comments are
 * for readers of the code. Strict objects: an answer with a field the
 * document does not name fails the end-to-end tests (test/support/openapi-check.ts).
 */

/**
 * The type of a record or an answer: deeply readonly, but a sweep's spec and
 * a trial's params keep the types libs/sweep and libs/cf give them (their
 * functions take those), readonly only as fields.
 */
export type ReadonlyShape<T> = DeepReadonly<T, SweepSpec | TrialConfigInput>;

/** Held-out metrics as stored (the subset of EvalResult the API serves). */
export const storedMetricsSchema = z.strictObject({
  ndcg100: z.number(),
  recall20: z.number(),
  recall50: z.number(),
  users: z.number().describe('test users with held-out items'),
});
export type StoredMetrics = ReadonlyShape<z.infer<typeof storedMetricsSchema>>;

/** Validation metrics of a baseline (and of each EASE lambda tried). */
export const headlineMetricsSchema = z.strictObject({
  ndcg100: z.number(),
  recall20: z.number(),
  recall50: z.number(),
});
export type HeadlineMetrics = ReadonlyShape<z.infer<typeof headlineMetricsSchema>>;

/** A reference model fitted on the sweep's split at finalize (libs/cf fitBaseline). */
export const baselineRecordSchema = z.strictObject({
  model: z.enum(['popularity', 'ease']),
  // skipped: beyond BASELINE_MEMORY_LIMIT_MB; failed: an error (the sweep still completes).
  status: z.enum(['completed', 'skipped', 'failed']),
  reason: z.string().optional().describe('why it was skipped (memory limit) or failed'),
  lambda: z.number().optional().describe('EASE: the L2 weight chosen on the validation users'),
  grid: z
    .array(z.strictObject({ lambda: z.number(), validation: headlineMetricsSchema }))
    .optional()
    .describe('EASE: every lambda tried'),
  validation: headlineMetricsSchema.optional(),
  test: storedMetricsSchema.optional(),
  seconds: z.number().optional(),
});
export type BaselineRecord = ReadonlyShape<z.infer<typeof baselineRecordSchema>>;

/**
 * One metric of a paired comparison, as libs/cf computes it (MetricComparison,
 * which the worker stores as it is): A's mean minus B's over the same test users.
 */
export const storedMetricComparisonSchema = z.strictObject({
  users: z.number().int().describe('test users paired (those with held-out items)'),
  meanA: z.number().describe("the best trial's mean"),
  meanB: z.number().describe("the reference's mean"),
  difference: z.number().describe('mean of the per-user differences A - B'),
  ci: z.tuple([z.number(), z.number()]).describe('percentile bootstrap interval of the difference'),
  pValue: z.number().describe("two-sided Wilcoxon signed-rank p-value, Pratt's zeros"),
  zeros: z.number().int().describe('users with equal values'),
});
export type StoredMetricComparison = ReadonlyShape<z.infer<typeof storedMetricComparisonSchema>>;

/** The best trial (A) against one reference (B), as libs/cf comparePerUser computes it. */
export const storedComparisonSchema = z.strictObject({
  against: z
    .union([
      z.strictObject({ kind: z.literal('baseline'), model: z.string() }),
      z.strictObject({ kind: z.literal('sweep'), sweep: z.string() }),
    ])
    .describe("what B is: a baseline of this sweep, or another sweep's best trial"),
  bootstrap: z.strictObject({ resamples: z.number().int(), seed: z.number().int(), level: z.number() }),
  // The per-user mean over A's completed, testable seeds.
  seeds: z
    .number()
    .int()
    .optional()
    .describe("seeds of the best configuration in A's per-user mean vector (absent on older sweeps: 1)"),
  test: z.string(),
  metrics: z.strictObject({
    ndcg100: storedMetricComparisonSchema,
    recall20: storedMetricComparisonSchema,
    recall50: storedMetricComparisonSchema,
  }),
});
export type StoredComparison = ReadonlyShape<z.infer<typeof storedComparisonSchema>>;

/**
 * The configuration the sweep chose: the best mean over its seeds of their
 * best validation value of the objective (limits.repeats seeds; one without).
 */
export const bestConfigurationRecordSchema = z.strictObject({
  configuration: z.number().int(),
  trials: z.array(z.number().int()).describe('its trials, one per seed'),
  // Trials that reported an epoch and were not cancelled.
  seeds: z.number().int().describe('seeds in the mean'),
  mean: z.number().describe('mean over the seeds of their best validation value of the objective'),
  sd: z.number().optional().describe('their sample standard deviation (absent with one seed)'),
  // The sweep's test metrics and per-user vector are their mean.
  tested: z.array(z.number().int()).describe('the completed seeds tested: `test` is their mean'),
});
export type BestConfigurationRecord = ReadonlyShape<z.infer<typeof bestConfigurationRecordSchema>>;

export const sweepRecordSchema = z.strictObject({
  id: z.string(),
  // Parsed by the store with this schema (getSweep), so a record's spec is always its output.
  spec: sweepSpecSchema.describe('the validated spec, defaults filled in'),
  state: z.enum(SWEEP_STATES),
  createdAt: z.number(),
  updatedAt: z.number(),
  // One per deployment; tests use their own.
  queue: z.string().describe('the trials queue it runs on'),
  planned: z.number().int().describe('trials the search will run in all'),
  nextTrial: z.number().int().describe('trial numbers handed out so far'),
  // Its checkpoint becomes the sweep's model.
  bestTrial: z.number().int().optional().describe("the best configuration's best seed: the sweep's model"),
  bestConfiguration: bestConfigurationRecordSchema
    .optional()
    .describe('the configuration chosen by its mean over seeds (limits.repeats), once the sweep is done'),
  test: storedMetricsSchema
    .optional()
    .describe("the best configuration's test metrics (mean over its tested seeds), once the sweep is done"),
  error: z.string().optional(),
  note: z
    .string()
    .optional()
    .describe('what finalizing had to work around (trials whose checkpoints were unusable)'),
  baselines: z
    .array(baselineRecordSchema)
    .optional()
    .describe("the spec's baselines, fitted on the same split at finalize"),
  // libs/cf splitIdentity.
  split: z.string().optional().describe("the test split's identity, once the sweep is done"),
  // Per-user test metrics, paired.
  comparisons: z
    .array(storedComparisonSchema)
    .optional()
    .describe('the best trial against each completed baseline'),
});
export type SweepRecord = ReadonlyShape<z.infer<typeof sweepRecordSchema>>;

/** Something done to a sweep after its submit, kept in order on the sweep. */
export const sweepEventSchema = z.strictObject({
  at: z.number(),
  action: z.enum(['cancelled', 'extended', 'resumed']),
  trials: z.number().int().optional().describe('trials added (extended)'),
  requeued: z.number().int().optional().describe('cancelled trials put back in the queue (resumed)'),
});
export type SweepEvent = ReadonlyShape<z.infer<typeof sweepEventSchema>>;

/** The compute engine a trial ran on (libs/engine EngineInfo), as recorded when an attempt starts. */
export const trialEngineSchema = z.strictObject({
  name: z.string().describe('the engine (onnxruntime, onnxruntime-webgpu, onnxruntime-cuda, tfjs-wasm, ...)'),
  provider: z
    .string()
    .describe('its execution provider or tfjs backend (cpu, webgpu, cuda; wasm, tensorflow, cpu)'),
  device: z.string().describe('"cpu", or "gpu:<index>" and the adapter where the engine can tell'),
  threads: z.number().int().describe('threads per program run'),
});
export type TrialEngine = ReadonlyShape<z.infer<typeof trialEngineSchema>>;

/** A resumed trial that continued on another engine or thread count than its previous attempt (not bit-identical). */
export const engineChangeSchema = z.strictObject({
  attempt: z.number().int().describe('the attempt that changed it'),
  at: z.number(),
  worker: z.string(),
  from: trialEngineSchema,
  to: trialEngineSchema,
});
export type EngineChange = ReadonlyShape<z.infer<typeof engineChangeSchema>>;

export const trialRecordSchema = z.strictObject({
  no: z.number().int(),
  // Parsed when read (the store's boundary); the rest are the model's defaults.
  params: trialConfigInputSchema.describe(
    "the hyperparameters the sweep set for it (fixed and sampled); the rest are the model's defaults",
  ),
  // Absent on records from before it was kept: floor(no / repeats).
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
  engine: trialEngineSchema
    .optional()
    .describe('the engine, provider, device and threads its current attempt started with'),
  // None: one engine throughout.
  engineChanges: z
    .array(engineChangeSchema)
    .optional()
    .describe('resumes that continued on another engine or thread count (not bit-identical), in order'),
  engineWait: z
    .string()
    .optional()
    .describe('why it waits: the last worker that took it could not load its fixed engine'),
  epochs: z.number().int().describe('epochs reported'),
  best: z.number().optional().describe("best validation value of the sweep's objective so far"),
  reason: z.string().optional().describe('why it failed, was pruned or cancelled'),
  // 1 + resumes after a crash, a hand-back or a takeover; 0 before any. Only the owner of the
  // current attempt may write the trial (libs/store fence.ts).
  attempt: z
    .number()
    .int()
    .describe("the trial's fencing token: attempts claimed so far; only the current one's writes are taken"),
  owner: z.string().optional().describe('the worker that claimed the current attempt'),
  // The same count as `attempt` (the API's name for it).
  attempts: z.number().int().describe('times a worker started it'),
  // None before the first.
  checkpoint: z
    .strictObject({ attempt: z.number().int(), epoch: z.number().int() })
    .optional()
    .describe("the trial's last committed checkpoint: the attempt that wrote it and its epoch"),
  checkpointRestarts: z
    .number()
    .int()
    .describe('times it restarted from epoch 0 because its checkpoint failed verification'),
  checkpointNote: z
    .string()
    .optional()
    .describe('the last such failure, and where the damaged checkpoint was moved'),
});
export type TrialRecord = ReadonlyShape<z.infer<typeof trialRecordSchema>>;
