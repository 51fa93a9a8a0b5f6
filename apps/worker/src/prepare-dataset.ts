import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@vaecf/errors';
import type { ArtifactStore } from '@vaecf/artifacts';
import { prepareDataset, writeDatasetArtifact, type PrepareOptionsInput } from '@vaecf/cf';
import type { DatasetStore, PrepareJobData } from '@vaecf/queue';

/** `discarded`: the registration was deleted (or replaced) before its preparation ended; nothing is left of it. */
export type PrepareOutcome = 'ready' | 'failed' | 'discarded';

/**
 * Prepares registration `generation` of a dataset into the artifact store and
 * marks it ready with its statistics, or failed with the reason for bad
 * input. Other errors (a full disk, a lost connection) propagate so that the
 * job is retried. Every state change is conditional on the registration
 * still being current, and a preparation that finds it gone when it ends
 * removes the version it published: a DELETE mid-preparation leaves nothing.
 * The dataset is written to a local scratch directory and published to the
 * store from there (a rename on the filesystem store, an upload on S3). The
 * stored source is kept after preparation: a retried or repeated preparation
 * reads it again; it goes when the dataset is deleted or registered anew.
 */
export async function prepareRegisteredDataset(
  { datasetId, generation }: PrepareJobData,
  deps: { datasetStore: DatasetStore; artifacts: ArtifactStore },
): Promise<PrepareOutcome> {
  const store = deps.datasetStore;
  const record = await store.get(datasetId);
  if (!record || record.generation !== generation) return 'discarded';
  if (record.state === 'ready') return 'ready';
  if (!(await store.setState(datasetId, generation, 'preparing'))) return 'discarded';
  // The raw source as stored at registration (fetched to this host's cache on S3); registrations made
  // before sources were stored have none and are read from their path, as then.
  const source = await deps.artifacts.openSource(datasetId, generation);
  let data;
  try {
    data = await prepareDataset(
      source?.path ?? record.source,
      record.options as unknown as PrepareOptionsInput,
    );
  } catch (e) {
    // Bad input: retrying cannot help, so the dataset fails with the reason.
    if (e instanceof InputError) {
      return (await store.setState(datasetId, generation, 'failed', { error: e.message }))
        ? 'failed'
        : 'discarded';
    }
    throw e;
  } finally {
    source?.release();
  }
  // Deleted while reading: do not write at all.
  if (!(await store.isCurrent(datasetId, generation))) return 'discarded';
  const scratch = await mkdtemp(join(tmpdir(), 'vaecf-prepare-'));
  let version: string;
  try {
    const dir = join(scratch, datasetId);
    await writeDatasetArtifact(dir, data);
    version = await deps.artifacts.publishDataset(datasetId, dir);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  if (await store.setState(datasetId, generation, 'ready', { stats: data.meta.stats })) return 'ready';
  // Gone meanwhile: remove what was published, unless a newer registration has replaced it since.
  await deps.artifacts.deleteDataset(datasetId, version);
  return 'discarded';
}
