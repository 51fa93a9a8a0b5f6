import { randomBytes } from 'node:crypto';
import { cp, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { assertSafeId, type ArtifactStore } from './artifact-store';

/**
 * Artifacts on a directory shared by the API and every worker (a docker
 * volume in compose):
 *   <root>/datasets/<datasetId>/
 *   <root>/sweeps/<sweepId>/trials/<trialNo>/
 *   <root>/sweeps/<sweepId>/model/
 */
export class FilesystemArtifactStore implements ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  datasetDir(datasetId: string): string {
    assertSafeId('dataset', datasetId);
    return join(this.root, 'datasets', datasetId);
  }

  checkpointDir(sweepId: string, trialNo: number): string {
    if (!Number.isInteger(trialNo) || trialNo < 0) throw new Error(`invalid trial number ${trialNo}`);
    return join(this.sweepDir(sweepId), 'trials', String(trialNo));
  }

  modelDir(sweepId: string): string {
    return join(this.sweepDir(sweepId), 'model');
  }

  async promoteModel(sweepId: string, trialNo: number): Promise<void> {
    // Copy beside, then swap: readers of the model directory never see half a copy.
    const target = this.modelDir(sweepId);
    const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    await cp(this.checkpointDir(sweepId, trialNo), tmp, { recursive: true });
    const old = `${tmp}.old`;
    const hadOld = await rename(target, old).then(
      () => true,
      () => false,
    );
    await rename(tmp, target);
    if (hadOld) await rm(old, { recursive: true, force: true });
  }

  async deleteCheckpoints(sweepId: string, trialNos: readonly number[]): Promise<void> {
    await Promise.all(
      trialNos.map((n) => rm(this.checkpointDir(sweepId, n), { recursive: true, force: true })),
    );
  }

  async listCheckpoints(sweepId: string): Promise<number[]> {
    const names = await readdir(join(this.sweepDir(sweepId), 'trials')).catch(() => [] as string[]);
    return names
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .sort((a, b) => a - b);
  }

  async deleteSweep(sweepId: string): Promise<void> {
    await rm(this.sweepDir(sweepId), { recursive: true, force: true });
  }

  async deleteDataset(datasetId: string): Promise<void> {
    await rm(this.datasetDir(datasetId), { recursive: true, force: true });
  }

  private sweepDir(sweepId: string): string {
    assertSafeId('sweep', sweepId);
    return join(this.root, 'sweeps', sweepId);
  }
}
