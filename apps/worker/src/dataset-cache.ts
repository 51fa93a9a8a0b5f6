import { stat } from 'node:fs/promises';
import type { ArtifactStore } from '@vaecf/artifacts';
import { readDatasetArtifact, type PreparedDataset } from '@vaecf/cf';

/**
 * Prepared datasets, loaded once per process and shared by every trial that
 * uses them. An entry is keyed by the directory's identity too (inode and
 * mtime: an inode number alone may be reused once a directory is deleted): a
 * dataset deleted and registered again under the same id is written to a new
 * directory (prepared data is swapped in by rename), and is loaded afresh.
 */
export class DatasetCache {
  private readonly loaded = new Map<string, { identity: string; data: Promise<PreparedDataset> }>();

  constructor(private readonly artifacts: ArtifactStore) {}

  async get(datasetId: string): Promise<PreparedDataset> {
    const dir = this.artifacts.datasetDir(datasetId);
    const s = await stat(dir).catch(() => null);
    const identity = s ? `${s.dev}:${s.ino}:${s.mtimeMs}` : 'missing';
    const cached = this.loaded.get(datasetId);
    if (cached?.identity === identity) return cached.data;
    const data = readDatasetArtifact(dir);
    // A failed load is not cached: the next trial tries again.
    data.catch(() => {
      if (this.loaded.get(datasetId)?.data === data) this.loaded.delete(datasetId);
    });
    this.loaded.set(datasetId, { identity, data });
    return data;
  }
}
