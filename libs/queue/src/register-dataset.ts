import type { Queue } from 'bullmq';
import type { DatasetStore } from './dataset-store';
import { jobIds, type PrepareJobData } from './jobs';

export type DatasetsQueue = Queue<PrepareJobData>;

/**
 * Registers a ratings file as dataset `id` and queues its preparation.
 * Registering an existing id changes nothing (returns false); the options are
 * validated by the worker that prepares it (a bad option fails the dataset
 * with the reason).
 */
export async function registerDataset(
  id: string,
  source: string,
  options: Record<string, unknown>,
  deps: { datasets: DatasetStore; queue: DatasetsQueue },
): Promise<boolean> {
  const created = await deps.datasets.create(id, source, options);
  if (created) {
    await deps.queue.add(
      'prepare',
      { datasetId: id },
      { jobId: jobIds.prepare(id), attempts: 3, backoff: { type: 'exponential', delay: 2000 } },
    );
  }
  return created;
}
