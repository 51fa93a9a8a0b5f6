import type { ArtifactStore } from '@vaecf/artifacts';
import { readDatasetArtifact, type PreparedDataset } from '@vaecf/cf';

/**
 * Prepared datasets, loaded once per process and shared by every trial that
 * uses them. An entry is keyed by the dataset's version in the store too (a
 * filesystem directory's inode and mtime, an object store's published
 * version): a dataset deleted and registered again under the same id is
 * loaded afresh. The store's local copy is released once loaded (a bounded
 * cache may then evict it; the arrays live on in memory).
 */
export class DatasetCache {
  private readonly loaded = new Map<string, { version: string; data: Promise<PreparedDataset> }>();

  constructor(private readonly artifacts: ArtifactStore) {}

  async get(datasetId: string): Promise<PreparedDataset> {
    const local = await this.artifacts.openDataset(datasetId);
    const cached = this.loaded.get(datasetId);
    if (cached?.version === local.version) {
      local.release();
      return cached.data;
    }
    const data = readDatasetArtifact(local.dir);
    void data.finally(() => local.release()).catch(() => undefined);
    // A failed load is not cached: the next trial tries again.
    data.catch(() => {
      if (this.loaded.get(datasetId)?.data === data) this.loaded.delete(datasetId);
    });
    this.loaded.set(datasetId, { version: local.version, data });
    return data;
  }
}
