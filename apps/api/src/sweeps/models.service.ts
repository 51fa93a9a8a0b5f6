import { readdir } from 'node:fs/promises';
import { finished, type Readable } from 'node:stream';
import { ConflictException, Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { ArtifactStore, LocalArtifact } from '@vaecf/artifacts';
import { availableParallelism } from 'node:os';
import { Recommender, type RecommendResult } from '@vaecf/cf';
import { loadEngine } from '@vaecf/engine';
import { create as createTar } from 'tar';
import { API_CONFIG, ARTIFACTS } from '../common/tokens';
import { scoringEngine, type ApiConfig } from '../config';
import { SweepsService } from './sweeps.service';

/**
 * The sweeps' promoted models: streamed as a .tar.gz for download, and
 * loaded once per API process (on first use) to serve recommendations. The
 * files come from the artifact store's local copy (the store's own directory,
 * or this host's cache of an object store), leased while they are read.
 */
@Injectable()
export class ModelsService implements OnApplicationShutdown {
  private readonly loaded = new Map<string, Promise<Recommender>>();

  constructor(
    private readonly sweeps: SweepsService,
    @Inject(ARTIFACTS) private readonly artifacts: ArtifactStore,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async archive(sweepId: string): Promise<Readable> {
    const local = await this.openModel(sweepId);
    try {
      const tar = createTar({ gzip: true, cwd: local.dir, portable: true }, await readdir(local.dir));
      const stream = tar as unknown as Readable;
      finished(stream, () => local.release());
      return stream;
    } catch (e) {
      local.release();
      throw e;
    }
  }

  async recommend(sweepId: string, items: string[], k: number): Promise<RecommendResult> {
    let model = this.loaded.get(sweepId);
    if (!model) {
      model = this.openModel(sweepId).then(async (local) => {
        try {
          const { engine } = await loadEngine(scoringEngine(this.config, availableParallelism()));
          return await Recommender.fromCheckpoint(local.dir, engine);
        } finally {
          local.release();
        }
      });
      model.catch(() => this.loaded.delete(sweepId));
      this.loaded.set(sweepId, model);
    }
    return (await model).recommend(items, k);
  }

  /** A deleted sweep's model leaves the cache too. */
  forget(sweepId: string): void {
    void this.loaded.get(sweepId)?.then(
      (m) => void m.dispose(),
      () => undefined,
    );
    this.loaded.delete(sweepId);
  }

  onApplicationShutdown(): void {
    for (const id of [...this.loaded.keys()]) this.forget(id);
  }

  /** A lease on the promoted model's local directory (409 until the sweep has completed). */
  async openModel(sweepId: string): Promise<LocalArtifact> {
    const sweep = await this.sweeps.get(sweepId);
    const local = sweep.state === 'completed' ? await this.artifacts.openModel(sweepId) : null;
    if (!local) {
      throw new ConflictException(
        `sweep "${sweepId}" has no model yet (state ${sweep.state}); it is promoted when the sweep completes`,
      );
    }
    return local;
  }
}
