import type { ArtifactStore } from '@vaecf/artifacts';
import {
  finalizeJobSchema,
  prepareJobSchema,
  trialJobSchema,
  type DatasetStore,
  type SweepController,
  type SweepStore,
  type TrialProgress,
} from '@vaecf/queue';
import type { DatasetCache } from './dataset-cache';
import { finalizeSweep, pruneFinishedCheckpoints } from './finalize';
import { prepareRegisteredDataset } from './prepare-dataset';
import { runTrial } from './trial-runner';

export interface WorkerDeps {
  readonly store: SweepStore;
  readonly datasetStore: DatasetStore;
  readonly controller: SweepController;
  readonly artifacts: ArtifactStore;
  readonly datasets: DatasetCache;
  readonly workerId: string;
  readonly backend: string;
}

/** The slice of a BullMQ job a handler uses (a sandboxed job offers the same). */
export interface JobLike {
  readonly name: string;
  readonly data: unknown;
  updateProgress(p: object): Promise<void>;
}

/**
 * One handler per job name, each validating its payload and calling one use
 * case. After a trial ends the controller moves the sweep on (more trials,
 * or the finalize job).
 */
export const JOB_NAMES = ['trial', 'finalize', 'prepare'] as const;

export function createJobHandler(deps: WorkerDeps, signal?: AbortSignal): (job: JobLike) => Promise<unknown> {
  const handlers: Record<(typeof JOB_NAMES)[number], (job: JobLike) => Promise<unknown>> = {
    trial: async (job) => {
      const data = trialJobSchema.parse(job.data);
      const outcome = await runTrial(data, {
        ...deps,
        signal,
        progress: (p: TrialProgress) => job.updateProgress(p),
      });
      await pruneFinishedCheckpoints(data.sweepId, deps);
      await deps.controller.advance(data.sweepId);
      return outcome;
    },
    finalize: async (job) => {
      const { sweepId } = finalizeJobSchema.parse(job.data);
      await finalizeSweep(sweepId, deps);
      return 'finalized';
    },
    prepare: async (job) => {
      return prepareRegisteredDataset(prepareJobSchema.parse(job.data), deps);
    },
  };
  return (job) => {
    const handler = (handlers as Record<string, (job: JobLike) => Promise<unknown>>)[job.name];
    if (!handler) throw new Error(`no handler for job "${job.name}"`);
    return handler(job);
  };
}
