import type { ArtifactStore } from '@vaecf/artifacts';
import { readDatasetArtifact, type PreparedDataset } from '@vaecf/cf';

/** Prepared datasets, loaded once per process and shared by every trial that uses them. */
export class DatasetCache {
  private readonly loaded = new Map<string, Promise<PreparedDataset>>();

  constructor(private readonly artifacts: ArtifactStore) {}

  get(datasetId: string): Promise<PreparedDataset> {
    let p = this.loaded.get(datasetId);
    if (!p) {
      p = readDatasetArtifact(this.artifacts.datasetDir(datasetId));
      // A failed load is not cached: the next trial tries again.
      p.catch(() => this.loaded.delete(datasetId));
      this.loaded.set(datasetId, p);
    }
    return p;
  }
}
