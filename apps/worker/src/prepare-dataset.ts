import { rm, stat } from 'node:fs/promises';
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
 * removes the directory it wrote: a DELETE mid-preparation leaves nothing.
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
  let data;
  try {
    data = await prepareDataset(record.source, record.options as unknown as PrepareOptionsInput);
  } catch (e) {
    // Bad input: retrying cannot help, so the dataset fails with the reason.
    if (e instanceof InputError) {
      return (await store.setState(datasetId, generation, 'failed', { error: e.message }))
        ? 'failed'
        : 'discarded';
    }
    throw e;
  }
  // Deleted while reading: do not write at all.
  if (!(await store.isCurrent(datasetId, generation))) return 'discarded';
  const dir = deps.artifacts.datasetDir(datasetId);
  await writeDatasetArtifact(dir, data);
  const written = await identity(dir);
  if (await store.setState(datasetId, generation, 'ready', { stats: data.meta.stats })) return 'ready';
  await removeIfOurs(dir, written);
  return 'discarded';
}

/**
 * The directory a preparation wrote, identified by inode and mtime: when its
 * registration is gone, the preparation removes the directory only if it is
 * still the one it wrote (a newer registration may have replaced it since).
 */
async function identity(dir: string): Promise<string | null> {
  const s = await stat(dir).catch(() => null);
  return s ? `${s.dev}:${s.ino}:${s.mtimeMs}` : null;
}

async function removeIfOurs(dir: string, ours: string | null): Promise<void> {
  if (ours !== null && (await identity(dir)) === ours) await rm(dir, { recursive: true, force: true });
}
