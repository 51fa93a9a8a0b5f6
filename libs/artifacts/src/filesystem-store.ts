import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { datasetArtifactExists, MANIFEST_FILE, swapInto } from '@vaecf/cf';
import {
  ArtifactMissingError,
  assertAttempt,
  assertGeneration,
  assertResultName,
  SOURCE_MANIFEST,
  sourceFiles,
  type LocalSource,
  type SourceManifest,
  assertSafeId,
  assertTrialNo,
  unleased,
  type ArtifactStore,
  type LocalArtifact,
  type TrialCheckpoints,
} from './artifact-store';
import { verifyCheckpointDir } from './checkpoint-files';
import { removeDeletedSweepDir } from './sweep-dir';

/**
 * Artifacts on a directory shared by the API and every worker of one host
 * (or a network filesystem). The local directory of every artifact is the
 * store's own: nothing is copied on open, a checkpoint's work directory is
 * its place in the store (commit is a no-op: libs/cf's saveCheckpoint makes
 * the manifest's rename the commit point).
 *   <root>/datasets/<datasetId>/
 *   <root>/sources/<datasetId>/<generation>/{source.json, files/}
 *   <root>/sweeps/<sweepId>/trials/<trialNo>/<attempt>/
 *   <root>/sweeps/<sweepId>/model/
 *   <root>/sweeps/<sweepId>/results/<name>
 */
export class FilesystemArtifactStore implements ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  describe(): string {
    return `filesystem ${this.root}`;
  }

  datasetDir(datasetId: string): string {
    assertSafeId('dataset', datasetId);
    return join(this.root, 'datasets', datasetId);
  }

  async publishDataset(datasetId: string, localDir: string): Promise<string> {
    const target = this.datasetDir(datasetId);
    await mkdir(dirname(target), { recursive: true });
    // Into a sibling first (a rename when on the same filesystem), then swapped in.
    const tmp = `${dirname(target)}/.${datasetId}.${randomBytes(6).toString('hex')}.tmp`;
    await rename(localDir, tmp).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EXDEV') throw e;
      await cp(localDir, tmp, { recursive: true });
    });
    await swapInto(tmp, target);
    return (await identity(target)) ?? 'missing';
  }

  async openDataset(datasetId: string): Promise<LocalArtifact> {
    const dir = this.datasetDir(datasetId);
    const version = datasetArtifactExists(dir) ? await identity(dir) : null;
    if (!version) throw new ArtifactMissingError(`dataset "${datasetId}"`, dir);
    return unleased(dir, version);
  }

  async datasetExists(datasetId: string): Promise<boolean> {
    return datasetArtifactExists(this.datasetDir(datasetId));
  }

  async deleteDataset(datasetId: string, onlyVersion?: string): Promise<void> {
    const dir = this.datasetDir(datasetId);
    if (onlyVersion !== undefined && (await identity(dir)) !== onlyVersion) return;
    await rm(dir, { recursive: true, force: true });
  }

  async publishSource(
    datasetId: string,
    generation: number,
    localPath: string,
    only?: readonly string[],
  ): Promise<void> {
    const target = this.sourceDir(datasetId, generation);
    const { kind, files } = await sourceFiles(localPath, only);
    await mkdir(dirname(target), { recursive: true });
    // Copied beside, then renamed in: a reader sees the whole source or none.
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(join(tmp, 'files'), { recursive: true });
      const manifest: SourceManifest = { kind, files: [] };
      for (const f of files) {
        await copyFile(f.path, join(tmp, 'files', f.file));
        manifest.files.push({ file: f.file, bytes: (await stat(f.path)).size, crc32: null });
      }
      await writeFile(join(tmp, SOURCE_MANIFEST), JSON.stringify(manifest));
      await swapInto(tmp, target);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  async openSource(datasetId: string, generation: number): Promise<LocalSource | null> {
    const dir = this.sourceDir(datasetId, generation);
    const text = await readFile(join(dir, SOURCE_MANIFEST), 'utf8').catch(() => null);
    if (text === null) return null;
    const m = JSON.parse(text) as SourceManifest;
    // The store's own copy: nothing to fetch, nothing to release.
    const path = m.kind === 'file' ? join(dir, 'files', m.files[0].file) : join(dir, 'files');
    return { path, release: () => undefined };
  }

  async deleteSources(datasetId: string, throughGeneration: number): Promise<void> {
    const dir = join(this.root, 'sources', datasetId);
    this.sourceDir(datasetId, throughGeneration); // checks the arguments
    const old = numericEntries(await readdir(dir).catch(() => [])).filter((g) => g <= throughGeneration);
    await Promise.all(old.map((g) => rm(join(dir, String(g)), { recursive: true, force: true })));
    await rmdir(dir).catch(() => undefined); // only when nothing newer is left
  }

  /** Where registration `generation`'s source lies (tests look inside). */
  sourceDir(datasetId: string, generation: number): string {
    assertSafeId('dataset', datasetId);
    assertGeneration(generation);
    return join(this.root, 'sources', datasetId, String(generation));
  }

  checkpointWorkDir(sweepId: string, trialNo: number, attempt: number): string {
    assertAttempt(attempt);
    return join(this.trialDir(sweepId, trialNo), String(attempt));
  }

  async commitCheckpoint(sweepId: string, trialNo: number, attempt: number): Promise<void> {
    this.checkpointWorkDir(sweepId, trialNo, attempt); // checks the arguments; the save was the commit
  }

  async closeCheckpointWorkDir(sweepId: string, trialNo: number, attempt: number): Promise<void> {
    this.checkpointWorkDir(sweepId, trialNo, attempt); // the work directory is the store: it stays
  }

  async openCheckpoint(sweepId: string, trialNo: number, attempt: number): Promise<LocalArtifact | null> {
    const dir = this.checkpointWorkDir(sweepId, trialNo, attempt);
    if (!existsSync(join(dir, MANIFEST_FILE))) return null;
    const { files } = await verifyCheckpointDir(dir);
    return unleased(dir, files[0]?.file ?? 'empty');
  }

  async discardCheckpoint(sweepId: string, trialNo: number, attempt: number): Promise<string | null> {
    const dir = this.checkpointWorkDir(sweepId, trialNo, attempt);
    // Beside the trial's directory, so that pruning the trial's checkpoints keeps it for inspection.
    const movedTo = `${this.trialDir(sweepId, trialNo)}.${attempt}.corrupt-${Date.now()}`;
    return rename(dir, movedTo).then(
      () => movedTo,
      () => null,
    );
  }

  async listCheckpoints(sweepId: string): Promise<TrialCheckpoints[]> {
    const trialsDir = join(this.sweepDir(sweepId), 'trials');
    const out: TrialCheckpoints[] = [];
    for (const trialNo of numericEntries(await readdir(trialsDir).catch(() => []))) {
      const dir = join(trialsDir, String(trialNo));
      const attempts = numericEntries(await readdir(dir).catch(() => [])).filter((a) =>
        existsSync(join(dir, String(a), MANIFEST_FILE)),
      );
      if (attempts.length) out.push({ trialNo, attempts });
    }
    return out;
  }

  async deleteCheckpoints(sweepId: string, trialNos: readonly number[]): Promise<void> {
    await Promise.all(trialNos.map((n) => rm(this.trialDir(sweepId, n), { recursive: true, force: true })));
  }

  async deleteCheckpointAttempts(sweepId: string, trialNo: number, keepAttempt: number): Promise<void> {
    assertAttempt(keepAttempt);
    const dir = this.trialDir(sweepId, trialNo);
    const stale = numericEntries(await readdir(dir).catch(() => [])).filter((a) => a !== keepAttempt);
    await Promise.all(stale.map((a) => rm(join(dir, String(a)), { recursive: true, force: true })));
  }

  async promoteModel(sweepId: string, trialNo: number, attempt: number): Promise<void> {
    // Copy beside, then swap: readers of the model directory never see half a copy.
    const target = this.modelDir(sweepId);
    const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    await cp(this.checkpointWorkDir(sweepId, trialNo, attempt), tmp, { recursive: true });
    await swapInto(tmp, target);
  }

  async openModel(sweepId: string): Promise<LocalArtifact | null> {
    const dir = this.modelDir(sweepId);
    if (!existsSync(join(dir, MANIFEST_FILE))) return null;
    return unleased(dir, (await identity(dir)) ?? 'missing');
  }

  async putSweepResult(sweepId: string, name: string, bytes: Uint8Array): Promise<void> {
    assertResultName(name);
    const dir = join(this.sweepDir(sweepId), 'results');
    await mkdir(dir, { recursive: true });
    // Written aside and renamed: a reader sees the old bytes or the new, never half.
    const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(tmp, bytes);
    await rename(tmp, join(dir, name));
  }

  async getSweepResult(sweepId: string, name: string): Promise<Uint8Array | null> {
    assertResultName(name);
    try {
      return await readFile(join(this.sweepDir(sweepId), 'results', name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async deleteSweep(sweepId: string): Promise<void> {
    await removeDeletedSweepDir(this.sweepDir(sweepId));
  }

  /** Where the promoted model lies (tests look inside). */
  modelDir(sweepId: string): string {
    return join(this.sweepDir(sweepId), 'model');
  }

  private trialDir(sweepId: string, trialNo: number): string {
    assertTrialNo(trialNo);
    return join(this.sweepDir(sweepId), 'trials', String(trialNo));
  }

  private sweepDir(sweepId: string): string {
    assertSafeId('sweep', sweepId);
    return join(this.root, 'sweeps', sweepId);
  }
}

function numericEntries(names: readonly string[]): number[] {
  return names
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

/** A directory's identity: a replaced directory (swapped in by rename) gets a new one. */
async function identity(dir: string): Promise<string | null> {
  const s = await stat(dir).catch(() => null);
  return s ? `${s.dev}:${s.ino}:${s.mtimeMs}` : null;
}
