import {
  baselineRecordSchema,
  datasetRecordSchema,
  storedComparisonSchema,
  storedMetricsSchema,
  sweepEventSchema,
  sweepRecordSchema,
  trialRecordSchema,
  workerEntrySchema,
  type ReadonlyShape,
} from '@vaecf/store';
import { OBJECTIVE_METRICS, TRIAL_STATES } from '@vaecf/sweep';
import { z } from 'zod';

/*
 * The API's answers, defined once as zod schemas over libs/store's records:
 * the API builds them (typed by z.infer) and wraps them for its OpenAPI
 * document (apps/api openapi-views.ts -> docs/openapi.json); the CLI (and any
 * TypeScript client) reads them with these types. Strict objects: an answer
 * with a field the document does not name fails the end-to-end tests.
 */

/** GET /sweeps/:id: the record, its trial counts by state, and the best trial so far by the objective. */
export const sweepViewSchema = sweepRecordSchema.extend({
  trials: z.record(z.enum(TRIAL_STATES), z.number().int()).describe('trial counts by state'),
  best: z
    .strictObject({
      trial: z.number().int(),
      metric: z.enum(OBJECTIVE_METRICS),
      value: z.number().describe("the trial's best validation value of the metric"),
    })
    .nullable()
    .describe('the best trial so far by the objective, with its best validation value'),
  // Cancel, extend, resume.
  events: z.array(sweepEventSchema).describe('what was done to the sweep after its submit, in order'),
});
export type SweepView = ReadonlyShape<z.infer<typeof sweepViewSchema>>;

/** POST /sweeps: the sweep, and what keeps it from running now though it is valid. */
export const submittedSweepViewSchema = sweepViewSchema.extend({
  warnings: z
    .array(z.string())
    .optional()
    .describe(
      'what keeps the sweep from running now though it is valid: no live worker can load its fixed.engine (its trials wait until one joins)',
    ),
});
export type SubmittedSweepView = ReadonlyShape<z.infer<typeof submittedSweepViewSchema>>;

/** GET /sweeps: a page of sweeps, newest first, and how many there are in all (in the state asked for). */
export const sweepPageSchema = z.strictObject({
  sweeps: z.array(sweepViewSchema),
  total: z.number().int().describe('sweeps in all (in the state asked for)'),
  offset: z.number().int(),
  limit: z.number().int(),
});
export type SweepPage = ReadonlyShape<z.infer<typeof sweepPageSchema>>;

/** One row of GET /sweeps/:id/trials: the record and its latest epoch's validation metrics. */
export const trialViewSchema = trialRecordSchema.extend({
  // The view's three metrics only: an epoch's validation also holds every k and user counts.
  latest: z
    .strictObject({ ndcg100: z.number(), recall20: z.number(), recall50: z.number() })
    .optional()
    .describe("the last epoch's validation metrics"),
  // Always set here (the record's may be absent on old trials: floor(no / repeats)).
  configuration: z
    .number()
    .int()
    .describe('the configuration it runs: with limits.repeats, its seeds share every other hyperparameter'),
  // Absent before any of its seeds reported an epoch.
  seeds: z
    .strictObject({
      mean: z.number().describe("mean over the configuration's seeds of their best validation value"),
      sd: z.number().optional().describe('their sample standard deviation (absent with one seed)'),
      count: z.number().int().describe('seeds in the mean (reported an epoch, not cancelled)'),
    })
    .optional()
    .describe('its configuration over seeds (the ranking: by best, configurations by this mean first)'),
});
export type TrialView = ReadonlyShape<z.infer<typeof trialViewSchema>>;

/** GET /sweeps/:id/trials/:no: the record with every epoch's report. */
export const trialDetailViewSchema = trialRecordSchema.extend({
  // Epoch reports as the trial wrote them (libs/sweep's Report and what the runner adds): not strict.
  history: z.array(z.record(z.string(), z.unknown())).describe('one report per epoch'),
});
export type TrialDetailView = ReadonlyShape<z.infer<typeof trialDetailViewSchema>>;

/** GET /datasets/:id. */
export const datasetViewSchema = datasetRecordSchema;
export type DatasetView = ReadonlyShape<z.infer<typeof datasetViewSchema>>;

/** GET /sweeps/:id/importance: each searched hyperparameter's share of the objective's variation. */
export const importanceViewSchema = z.strictObject({
  method: z.literal('ped-anova'),
  metric: z.enum(OBJECTIVE_METRICS),
  trials: z.number().int().describe('completed trials it was computed from'),
  // PED_ANOVA_MIN_TRIALS.
  needed: z.number().int().describe('completed trials PED-ANOVA needs (3)'),
  insufficient: z
    .boolean()
    .describe('fewer completed trials than needed: nothing can be told yet, and importance is empty'),
  importance: z
    .record(z.string(), z.number())
    .describe('searched hyperparameter -> share (sums to 1); empty when insufficient'),
});
export type ImportanceView = ReadonlyShape<z.infer<typeof importanceViewSchema>>;

/**
 * GET /sweeps/:id/comparison: the best trial (A) of a completed sweep against
 * each of its baselines and, with `?other=`, against another sweep's best
 * trial on the same split (B); paired over the same test users.
 */
export const comparisonViewSchema = z.strictObject({
  sweep: z.string(),
  // libs/cf splitIdentity: only sweeps with the same one pair.
  split: z.string().describe("the test split's identity (SHA-256 of its users and items)"),
  // The best configuration's best seed, and the mean over its completed seeds (1 without repeats),
  // whose per-user mean vector every comparison pairs.
  best: z
    .strictObject({
      trial: z.number().int().describe("the best configuration's best seed (the sweep's model)"),
      configuration: z.number().int(),
      seeds: z.number().int().describe('completed seeds of the configuration averaged into A'),
      test: storedMetricsSchema.describe('the mean over those seeds of their test metrics'),
    })
    .describe('the best configuration (by its mean validation value over seeds)'),
  baselines: z.array(baselineRecordSchema),
  comparisons: z.array(storedComparisonSchema),
});
export type ComparisonView = ReadonlyShape<z.infer<typeof comparisonViewSchema>>;

/** POST /sweeps/:id/recommendations: libs/cf Recommender's result. */
export const recommendationsViewSchema = z.strictObject({
  items: z
    .array(z.strictObject({ item: z.string(), score: z.number() }))
    .describe('the top k, best first; never an item of the history'),
  unknownItems: z.array(z.string()).describe('ids in the history that the model does not know (ignored)'),
});
export type RecommendationsView = ReadonlyShape<z.infer<typeof recommendationsViewSchema>>;

/** GET /health (200 and 503 alike). */
export const healthViewSchema = z.strictObject({
  status: z.enum(['ok', 'down']),
  redis: z.enum(['up', 'down']),
  trialsQueue: z.enum(['up', 'down']),
  datasetsQueue: z.enum(['up', 'down']),
});
export type HealthView = ReadonlyShape<z.infer<typeof healthViewSchema>>;

/** GET /workers: the live workers of the deployment, as they announce themselves. */
export const workerViewSchema = workerEntrySchema;
export type WorkerView = ReadonlyShape<z.infer<typeof workerViewSchema>>;

/** GET /workers/sd: one Prometheus HTTP service discovery target group. */
export const prometheusTargetsViewSchema = z.strictObject({
  targets: z.array(z.string()).describe('host:port'),
  labels: z.record(z.string(), z.string()),
});
export type PrometheusTargetsView = ReadonlyShape<z.infer<typeof prometheusTargetsViewSchema>>;
