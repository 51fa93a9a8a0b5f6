import type { Queue } from 'bullmq';
import type { DatasetStore, Registration } from '@vaecf/store';
import { jobIds, type PrepareJobData } from './jobs';

export type DatasetsQueue = Queue<PrepareJobData>;

/**
 * Registers a ratings file as dataset `id` and queues its preparation.
 * Registering an existing id changes nothing (returns null) unless its
 * preparation failed: a failed registration is replaced. Every
 * registration gets a new generation and so a job of its own: an id that
 * was deleted (or failed and deleted) is prepared again when registered again.
 * Callers validate the options first (the API's schema); the worker checks
 * them again and fails the dataset with the reason.
 * `beforeQueue` runs once the generation is known and before the job is
 * queued (the API stores the raw source under it there); when it fails the
 * registration is undone, so no record is left without its job or source.
 */
export async function registerDataset(
  id: string,
  source: string,
  options: Record<string, unknown>,
  deps: {
    datasets: DatasetStore;
    queue: DatasetsQueue;
    beforeQueue?: (generation: number) => Promise<void>;
    /** The file as the user knows it (failure reasons name it); `source` when not given. */
    sourceName?: string;
  },
): Promise<Registration | null> {
  const registration = await deps.datasets.create(id, source, options, deps.sourceName);
  if (registration === null) return null;
  const { generation } = registration;
  try {
    await deps.beforeQueue?.(generation);
    await deps.queue.add(
      'prepare',
      { datasetId: id, generation },
      {
        jobId: jobIds.prepare(id, generation),
        attempts: 3,
        backoff: { type: 'exponential', delay: 2000 },
      },
    );
  } catch (e) {
    // A record without a job (or its source) would stay queued forever: undo the registration.
    await deps.datasets.deleteGeneration(id, generation).catch(() => undefined);
    throw e;
  }
  return registration;
}
