import type { ArtifactStore } from '@vaecf/artifacts';
import type { FetchSettings } from '@vaecf/datasets';
import {
  finalizeJobSchema,
  prepareJobSchema,
  trialJobSchema,
  type JobName,
  type SweepController,
  type TrialProgress,
} from '@vaecf/orchestration';
import type { DatasetStore, SweepStore, TrialFence } from '@vaecf/store';
import type { DatasetCache } from './dataset-cache';
import type { WorkerEngines } from './engines';
import { finalizeSweep, pruneFinishedCheckpoints } from './finalize';
import type { LeaseWatch } from './lease-watch';
import { prepareRegisteredDataset } from './prepare-dataset';
import type { TrialHold } from './test-hold';
import { removeIfDeleted, runTrial } from './trial-runner';

export interface WorkerDeps {
  readonly store: SweepStore;
  readonly datasetStore: DatasetStore;
  readonly controller: SweepController;
  readonly artifacts: ArtifactStore;
  readonly datasets: DatasetCache;
  readonly workerId: string;
  /** Where public datasets registered by name are downloaded (VAECF_DATASET_CACHE, VAECF_DATASET_MIRROR). */
  readonly fetchSettings?: FetchSettings;
  /** The engines this worker can load and its own choice (engines.ts). */
  readonly engines: WorkerEngines;
  /** EASE beyond this is skipped at finalize (BASELINE_MEMORY_LIMIT_MB; default: half the machine's memory). */
  readonly baselineMemoryLimitBytes?: number;
  /** Tests only: the gate of WORKER_TEST_HOLD (test-hold.ts). */
  readonly hold?: TrialHold;
}

/** The slice of a BullMQ job a handler uses (a sandboxed job offers the same). */
export interface JobLike {
  readonly name: string;
  readonly data: unknown;
  updateProgress(p: object): Promise<void>;
}

type Handler = (job: JobLike) => Promise<unknown>;

/**
 * One handler per job name, each validating its payload and calling one use
 * case; the compiler checks that every job name has one (Record<JobName, ...>).
 * After a trial ends the controller moves the sweep on (more trials, or the
 * finalize job).
 */
export function createJobHandler(
  deps: WorkerDeps,
  signal?: AbortSignal,
  watchLease?: (fence: TrialFence) => LeaseWatch,
): Handler {
  const handlers: Record<JobName, Handler> = {
    trial: async (job) => {
      const data = trialJobSchema.parse(job.data);
      const outcome = await runTrial(data, {
        ...deps,
        signal,
        watchLease,
        progress: (p: TrialProgress) => job.updateProgress(p),
      });
      await pruneFinishedCheckpoints(data.sweepId, deps);
      await deps.controller.advance(data.sweepId);
      return outcome;
    },
    finalize: async (job) => {
      const { sweepId } = finalizeJobSchema.parse(job.data);
      try {
        await finalizeSweep(sweepId, deps);
      } catch (e) {
        // Deleted meanwhile (its checkpoints removed under it): nothing is left to finalize.
        if ((await deps.store.sweepState(sweepId).catch(() => undefined)) === null) return 'deleted';
        throw e;
      } finally {
        // Results or a model written while the sweep was deleted are removed with the rest of it.
        await removeIfDeleted(deps, sweepId, `finalize ${sweepId}`);
      }
      return 'finalized';
    },
    prepare: async (job) => {
      return prepareRegisteredDataset(prepareJobSchema.parse(job.data), {
        ...deps,
        log: (line) => process.stdout.write(`[datasets] ${line}\n`),
      });
    },
  };
  return (job) => {
    if (!Object.hasOwn(handlers, job.name)) throw new Error(`no handler for job "${job.name}"`);
    return handlers[job.name as JobName](job);
  };
}
