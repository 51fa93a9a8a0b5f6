import type { SweepRecord } from '@vaecf/store';
import { Worker, type Job } from 'bullmq';
import {
  useCoreBed,
  type BedCore,
  type CoreBed,
  type FixtureDataset,
  type WithDataset,
} from '../../../test/support/core-bed';
import { DatasetCache } from '../src/dataset-cache';
import { createJobHandler } from '../src/handlers';
import { testWorkerEngines } from './test-engines';

/** A core on queues of its own, and a BullMQ worker in this process on its trials queue running the worker's job handler. */
export interface JobLine {
  readonly core: BedCore;
  readonly worker: Worker;
  /** Settles when the worker has completed a finalize job (a sweep's end), heard from the start. */
  readonly finalized: Promise<void>;
  /** The job handler the worker runs (to run it on another queue too: the core's datasets queue). */
  readonly handle: (job: Job) => Promise<unknown>;
}

/** What a job handler may be given beyond what the bed supplies. */
type HandlerExtras = Partial<
  Pick<Parameters<typeof createJobHandler>[0], 'workerId' | 'baselineMemoryLimitBytes'>
>;

export interface JobLineOptions extends HandlerExtras {
  /** Jobs the worker runs at once (1). */
  readonly concurrency?: number;
  /** Runs before the handler takes each job (a test damaging what the job will read). */
  readonly beforeJob?: (job: Job) => Promise<void>;
}

export interface JobBed extends CoreBed, WithDataset {
  /** Runs `body` with a fresh job line, then closes the worker and the line's core (its queues obliterated), whatever happens. */
  withJobLine<T>(body: (line: JobLine) => Promise<T>, opts?: JobLineOptions): Promise<T>;
  /** The sweep once it is in one of `states` (read every 100 ms; an error past `timeoutMs`). */
  sweepIn(sweepId: string, states: string[], timeoutMs?: number): Promise<SweepRecord>;
}

/**
 * The in-process bed of the worker's job handler for one test file: a core
 * bed (test/support/core-bed.ts) on a real Redis with the fixture dataset in
 * a filesystem artifact store, and job lines (a BullMQ worker in this process
 * on a core of its own). It registers the file's beforeAll and afterAll; the
 * sweeps a test tracks are deleted at the end.
 */
export function useJobBed(name: string, datasetId: string, ratings: FixtureDataset['ratings']): JobBed {
  const bed = useCoreBed({ dataset: { name, id: datasetId, ratings } });
  return Object.assign(Object.create(bed) as CoreBed & WithDataset, {
    async withJobLine<T>(body: (line: JobLine) => Promise<T>, opts: JobLineOptions = {}): Promise<T> {
      const { concurrency = 1, beforeJob, ...extras } = opts;
      const core = bed.fresh();
      const handle = createJobHandler({
        store: core.store,
        datasetStore: core.datasetStore,
        controller: core.controller,
        artifacts: bed.artifacts,
        datasets: new DatasetCache(bed.artifacts),
        workerId: 'test',
        engines: await testWorkerEngines(),
        ...extras,
      });
      const worker = new Worker(
        core.trialsQueue.name,
        async (job: Job) => {
          await beforeJob?.(job);
          return handle(job);
        },
        { connection: bed.connection(), concurrency },
      );
      const finalized = new Promise<void>((resolve) =>
        worker.on('completed', (job) => {
          if (job.name === 'finalize') resolve();
        }),
      );
      try {
        return await body({ core, worker, handle, finalized });
      } finally {
        await worker.close();
        await core.close();
      }
    },
    async sweepIn(sweepId: string, states: string[], timeoutMs = 120_000): Promise<SweepRecord> {
      const t0 = Date.now();
      for (;;) {
        const s = await bed.store.getSweep(sweepId);
        if (s && states.includes(s.state)) return s;
        if (Date.now() - t0 > timeoutMs)
          throw new Error(`sweep ${sweepId} still ${s?.state} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  });
}
