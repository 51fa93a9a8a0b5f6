import { InputError } from '@vaecf/errors';
import type { ArtifactStore } from '@vaecf/artifacts';
import { prepareDataset, writeDatasetArtifact, type PrepareOptionsInput } from '@vaecf/cf';
import type { DatasetStore } from '@vaecf/queue';

/**
 * Prepares a registered dataset into the artifact store and marks it ready
 * with its statistics, or failed with the reason for bad input. Other errors
 * (a full disk, a lost connection) propagate so that the job is retried.
 */
export async function prepareRegisteredDataset(
  datasetId: string,
  deps: { datasetStore: DatasetStore; artifacts: ArtifactStore },
): Promise<'ready' | 'failed'> {
  const record = await deps.datasetStore.get(datasetId);
  if (!record) return 'failed';
  if (record.state === 'ready') return 'ready';
  await deps.datasetStore.setState(datasetId, 'preparing');
  try {
    const data = await prepareDataset(record.source, record.options as unknown as PrepareOptionsInput);
    await writeDatasetArtifact(deps.artifacts.datasetDir(datasetId), data);
    await deps.datasetStore.setState(datasetId, 'ready', { stats: data.meta.stats });
    return 'ready';
  } catch (e) {
    // Bad input: retrying cannot help, so the dataset fails with the reason.
    if (e instanceof InputError) {
      await deps.datasetStore.setState(datasetId, 'failed', { error: e.message });
      return 'failed';
    }
    throw e;
  }
}
