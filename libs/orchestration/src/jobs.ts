import type { TrialEngine } from '@vaecf/store';
import { z } from 'zod';

/** Job names on the trials queue, each with its payload schema (checked by producers and consumers alike). */
export const trialJobSchema = z
  .object({ sweepId: z.string().min(1), trialNo: z.number().int().min(0) })
  .strict();
export const finalizeJobSchema = z.object({ sweepId: z.string().min(1) }).strict();

/** `generation` is the registration the job prepares (a re-registered id gets a new one, and a new job). */
export const prepareJobSchema = z
  .object({ datasetId: z.string().min(1), generation: z.number().int().min(1) })
  .strict();

export type TrialJobData = z.infer<typeof trialJobSchema>;
export type PrepareJobData = z.infer<typeof prepareJobSchema>;
export type FinalizeJobData = z.infer<typeof finalizeJobSchema>;

/** Every job name a worker must handle, with its payload schema. */
export const JOB_SCHEMAS = {
  trial: trialJobSchema,
  finalize: finalizeJobSchema,
  prepare: prepareJobSchema,
} as const;
export type JobName = keyof typeof JOB_SCHEMAS;

/**
 * Deterministic job ids, `<sweepId>-<trialNo>`: a retried or double-submitted
 * sweep never creates a trial twice (BullMQ ignores an add whose id exists).
 * BullMQ refuses ':' in custom ids, hence the dash. A preparation's id
 * carries the registration's generation: BullMQ keeps finished jobs, and a
 * re-registered dataset must not collide with its predecessor's job.
 */
export const jobIds = {
  trial: (sweepId: string, n: number) => `${sweepId}-${n}`,
  finalize: (sweepId: string) => `${sweepId}-final`,
  prepare: (datasetId: string, generation: number) => `dataset-${datasetId}-${generation}`,
} as const;

/** What a trial job reports as progress after every epoch. */
export interface TrialProgress {
  readonly epoch: number;
  readonly epochs: number;
  readonly ndcg100: number;
  readonly recall20: number;
  readonly recall50: number;
  readonly loss: number;
  readonly usersPerSecond: number;
  readonly trainSeconds: number;
  /** The best value of the sweep's objective so far. */
  readonly best: number;
  /** The engine it runs on (the worker's trial-engine metric reads it). */
  readonly engine?: TrialEngine;
}
