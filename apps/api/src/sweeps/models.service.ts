import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ConflictException, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { FilesystemArtifactStore } from '@vaecf/artifacts';
import { MANIFEST_FILE, Recommender, type RecommendResult } from '@vaecf/cf';
import { create as createTar } from 'tar';
import { SweepsService } from './sweeps.service';

/**
 * The sweeps' promoted models: streamed as a .tar.gz for download, and
 * loaded once per API process (on first use) to serve recommendations.
 */
@Injectable()
export class ModelsService implements OnApplicationShutdown {
  private readonly loaded = new Map<string, Promise<Recommender>>();

  constructor(
    private readonly sweeps: SweepsService,
    private readonly artifacts: FilesystemArtifactStore,
  ) {}

  async archive(sweepId: string): Promise<Readable> {
    const dir = await this.modelDir(sweepId);
    return createTar({ gzip: true, cwd: dir, portable: true }, await readdir(dir)) as unknown as Readable;
  }

  async recommend(sweepId: string, items: string[], k: number): Promise<RecommendResult> {
    let model = this.loaded.get(sweepId);
    if (!model) {
      model = this.modelDir(sweepId).then((dir) => Recommender.fromCheckpoint(dir));
      model.catch(() => this.loaded.delete(sweepId));
      this.loaded.set(sweepId, model);
    }
    return (await model).recommend(items, k);
  }

  /** A deleted sweep's model leaves the cache too. */
  forget(sweepId: string): void {
    void this.loaded.get(sweepId)?.then(
      (m) => m.dispose(),
      () => undefined,
    );
    this.loaded.delete(sweepId);
  }

  onApplicationShutdown(): void {
    for (const id of [...this.loaded.keys()]) this.forget(id);
  }

  /** The promoted model's checkpoint directory (409 until the sweep has completed). */
  async modelDir(sweepId: string): Promise<string> {
    const sweep = await this.sweeps.get(sweepId);
    const dir = this.artifacts.modelDir(sweepId);
    if (sweep.state !== 'completed' || !existsSync(join(dir, MANIFEST_FILE))) {
      throw new ConflictException(
        `sweep "${sweepId}" has no model yet (state ${sweep.state}); it is promoted when the sweep completes`,
      );
    }
    return dir;
  }
}
