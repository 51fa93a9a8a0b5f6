import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@vaecf/errors';
import type { ArtifactStore } from '@vaecf/artifacts';
import { prepareDataset, writeDatasetArtifact, type PrepareOptionsInput } from '@vaecf/cf';
import {
  fetchPublicDataset,
  fetchSettingsFromEnv,
  publicSourceName,
  type FetchSettings,
} from '@vaecf/datasets';
import type { PrepareJobData } from '@vaecf/orchestration';
import type { DatasetStore } from '@vaecf/store';

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
 * A registration by name (`source` public:<name>) stores nothing: the worker
 * downloads the dataset into this host's dataset cache (fetchPublicDataset,
 * under its lock, verified) and prepares from there; a failed download is
 * retried with the job, resuming where it stopped.
 */
export async function prepareRegisteredDataset(
  { datasetId, generation }: PrepareJobData,
  deps: {
    datasetStore: DatasetStore;
    artifacts: ArtifactStore;
    /** Where public datasets are downloaded to (default: from the environment). */
    fetchSettings?: FetchSettings;
    log?: (line: string) => void;
  },
): Promise<PrepareOutcome> {
  const store = deps.datasetStore;
  const record = await store.get(datasetId);
  if (!record || record.generation !== generation) return 'discarded';
  if (record.state === 'ready') return 'ready';
  if (!(await store.setState(datasetId, generation, 'preparing'))) return 'discarded';
  // The raw source as stored at registration (fetched to this host's cache on S3); registrations made
  // before sources were stored have none and are read from their path, as then.
  const publicName = publicSourceName(record.source);
  const source = publicName === null ? await deps.artifacts.openSource(datasetId, generation) : null;
  let data;
  try {
    const path =
      publicName === null
        ? (source?.path ?? record.source)
        : await fetchPublic(publicName, deps.fetchSettings ?? fetchSettingsFromEnv(process.env), deps.log);
    data = await prepareDataset(path, record.options as unknown as PrepareOptionsInput);
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

/** Downloads (or finds in the cache) a public dataset; progress goes to the log at each tenth. */
async function fetchPublic(
  name: string,
  settings: FetchSettings,
  log?: (line: string) => void,
): Promise<string> {
  let tenth = -1;
  const fetched = await fetchPublicDataset(name, settings, {
    onNote: (line) => log?.(line),
    onWait: (pid) => log?.(`waiting for process ${pid}, which is fetching ${name} into ${settings.cacheDir}`),
    onProgress: (p) => {
      if (!p.total) return;
      const t = Math.floor((10 * p.received) / p.total);
      if (t === tenth) return;
      tenth = t;
      log?.(`${p.file}: ${(p.received / 1e6).toFixed(1)}/${(p.total / 1e6).toFixed(1)} MB`);
    },
  });
  log?.(
    `${name}: ${fetched.cached ? 'found in' : 'fetched into'} ${settings.cacheDir} (${fetched.verification})`,
  );
  return fetched.ratingsFile;
}
