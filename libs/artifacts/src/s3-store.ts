import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { CheckpointError, checkpointFilesOf, MANIFEST_FILE, type CheckpointFile } from '@vaecf/cf';
import {
  ArtifactMissingError,
  assertAttempt,
  assertGeneration,
  assertResultName,
  fileChecksum,
  SOURCE_MANIFEST,
  sourceFiles,
  type LocalSource,
  type SourceManifest,
  assertSafeId,
  assertTrialNo,
  type ArtifactStore,
  type LocalArtifact,
  type TrialCheckpoints,
} from './artifact-store';
import { checkFile } from './checkpoint-files';
import { removeDeletedSweepDir } from './sweep-dir';
import type { LocalCache } from './local-cache';
import { BrokenDownload, type ObjectIO } from './object-io';

/** What a pointer object names: one version's files, each with its size and CRC32. */
interface Pointer {
  readonly version: string;
  readonly files: CheckpointFile[];
  readonly trialNo?: number;
  readonly attempt?: number;
}

/** Times an open re-reads a manifest whose files were replaced while it downloaded them. */
const OPEN_TRIES = 5;

/**
 * Artifacts in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, R2), under
 * a key prefix:
 *   datasets/<id>/current.json          pointer to the current version (written last)
 *   datasets/<id>/v/<version>/<file>
 *   sources/<id>/<generation>/files/<file>, source.json last
 *   sweeps/<sweep>/trials/<trial>/<attempt>/<file>, checkpoint.json last
 *   sweeps/<sweep>/model.json           pointer to the promoted model's version (written last)
 *   sweeps/<sweep>/model/<version>/<file>
 * An object appears whole or not at all, so writing the files first and the
 * manifest or pointer last means a reader never sees half an artifact; a
 * reader whose files were replaced mid-download re-reads the manifest.
 * Every download is checked against the manifest's sizes and CRC32s. Local
 * copies live in a bounded per-host cache; checkpoint work directories in
 * `<cache>/work`, outside what the cache evicts.
 */
export class S3ArtifactStore implements ArtifactStore {
  /** Files committed per attempt by this process (key -> CRC32): unchanged ones are not uploaded again. */
  private readonly committed = new Map<string, Map<string, number | null>>();

  constructor(
    /** The bucket and prefix, for tests that reach around the store. */
    readonly io: ObjectIO,
    readonly cache: LocalCache,
  ) {}

  describe(): string {
    return `s3 ${this.io.url('').replace(/\/$/, '')} (cache ${this.cache.root}, ${Math.round(this.cache.maxBytes / 2 ** 20)} MiB)`;
  }

  async publishDataset(datasetId: string, localDir: string): Promise<string> {
    assertSafeId('dataset', datasetId);
    const version = newVersion();
    const files: CheckpointFile[] = [];
    for (const file of (await readdir(localDir)).sort()) {
      const buf = await readFile(join(localDir, file));
      files.push({ file, bytes: buf.length, crc32: crc32(buf) });
      await this.io.putFile(`datasets/${datasetId}/v/${version}/${file}`, join(localDir, file));
    }
    await this.putPointer(`datasets/${datasetId}/current.json`, { version, files });
    await this.deleteOtherVersions(`datasets/${datasetId}/v/`, version);
    return version;
  }

  async openDataset(datasetId: string): Promise<LocalArtifact> {
    assertSafeId('dataset', datasetId);
    const local = await this.openPointed(`datasets/${datasetId}/current.json`, (p) => ({
      key: `dataset+${datasetId}+${p.version}`,
      dir: `datasets/${datasetId}/v/${p.version}`,
    }));
    if (!local)
      throw new ArtifactMissingError(`dataset "${datasetId}"`, this.io.url(`datasets/${datasetId}`));
    return local;
  }

  async datasetExists(datasetId: string): Promise<boolean> {
    assertSafeId('dataset', datasetId);
    return this.io.exists(`datasets/${datasetId}/current.json`);
  }

  async deleteDataset(datasetId: string, onlyVersion?: string): Promise<void> {
    assertSafeId('dataset', datasetId);
    const pointer = `datasets/${datasetId}/current.json`;
    const current = async () =>
      (await this.reread(this.io.url(pointer), () => this.readPointer(pointer)))?.version;
    if (onlyVersion !== undefined && (await current()) !== onlyVersion) return;
    await this.io.delete([pointer]); // first: readers see it gone at once
    await this.io.deletePrefix(`datasets/${datasetId}/`);
  }

  async publishSource(
    datasetId: string,
    generation: number,
    localPath: string,
    only?: readonly string[],
  ): Promise<void> {
    const prefix = this.sourcePrefix(datasetId, generation);
    const { kind, files } = await sourceFiles(localPath, only);
    const manifest: SourceManifest = { kind, files: [] };
    for (const f of files) {
      // Checksummed from the local file (a second streamed read), so that a fetch can be verified.
      manifest.files.push({ file: f.file, ...(await fileChecksum(f.path)) });
      await this.io.putFile(`${prefix}/files/${f.file}`, f.path);
    }
    await this.io.putBytes(`${prefix}/${SOURCE_MANIFEST}`, JSON.stringify(manifest), 'application/json');
  }

  async openSource(datasetId: string, generation: number): Promise<LocalSource | null> {
    const prefix = this.sourcePrefix(datasetId, generation);
    const where = this.io.url(prefix);
    return this.reread(where, async () => {
      const bytes = await this.io.getBytes(`${prefix}/${SOURCE_MANIFEST}`);
      if (!bytes) return null;
      const m = halfWrittenIfBad(() => {
        try {
          return JSON.parse(bytes.toString('utf8')) as SourceManifest;
        } catch (e) {
          throw new CheckpointError(where, `${SOURCE_MANIFEST} is not valid JSON (${(e as Error).message})`);
        }
      });
      // A generation's source never changes: one cache entry per registration.
      const lease = await this.cache.open(`source+${datasetId}+${generation}`, (dir) =>
        this.downloadAll(`${prefix}/files`, m.files, dir, where),
      );
      const path = m.kind === 'file' ? join(lease.dir, m.files[0].file) : lease.dir;
      return { path, release: lease.release };
    });
  }

  async deleteSources(datasetId: string, throughGeneration: number): Promise<void> {
    this.sourcePrefix(datasetId, throughGeneration); // checks the arguments
    const keys = await this.io.list(`sources/${datasetId}/`);
    const old = keys.filter((k) => Number(k.split('/')[2]) <= throughGeneration);
    // Manifests first: no reader takes what remains for a source.
    await this.io.delete(old.filter((k) => k.endsWith(`/${SOURCE_MANIFEST}`)));
    await this.io.delete(old.filter((k) => !k.endsWith(`/${SOURCE_MANIFEST}`)));
  }

  private sourcePrefix(datasetId: string, generation: number): string {
    assertSafeId('dataset', datasetId);
    assertGeneration(generation);
    return `sources/${datasetId}/${generation}`;
  }

  checkpointWorkDir(sweepId: string, trialNo: number, attempt: number): string {
    return join(this.cache.root, 'work', this.attemptPrefix(sweepId, trialNo, attempt));
  }

  async commitCheckpoint(sweepId: string, trialNo: number, attempt: number): Promise<void> {
    const prefix = this.attemptPrefix(sweepId, trialNo, attempt);
    const dir = this.checkpointWorkDir(sweepId, trialNo, attempt);
    const manifest = await readFile(join(dir, MANIFEST_FILE), 'utf8').catch(() => null);
    if (manifest === null) throw new CheckpointError(dir, `no ${MANIFEST_FILE} to commit`);
    const files = checkpointFilesOf(manifest, dir);
    let before = this.committed.get(prefix);
    if (!before) {
      // First commit of this attempt by this process: what is there already is unknown, so listed.
      const listed = await this.io.list(`${prefix}/`);
      before = new Map(listed.map((k) => [k.slice(prefix.length + 1), -1]));
    }
    const now = new Map<string, number | null>();
    for (const f of files) {
      // Checked before it leaves: a file damaged on local disk is never made durable.
      const buf = await readFile(join(dir, f.file)).catch(() => null);
      if (!buf) throw new CheckpointError(dir, `missing ${f.file}`);
      checkFile(dir, f, buf);
      const crc = f.crc32 ?? crc32(buf);
      if (before.get(f.file) !== crc) await this.io.putFile(`${prefix}/${f.file}`, join(dir, f.file));
      now.set(f.file, crc);
    }
    await this.io.putBytes(`${prefix}/${MANIFEST_FILE}`, manifest, 'application/json');
    now.set(MANIFEST_FILE, null);
    const stale = [...before.keys()].filter((f) => !now.has(f));
    await this.io.delete(stale.map((f) => `${prefix}/${f}`));
    this.committed.set(prefix, now);
  }

  async closeCheckpointWorkDir(sweepId: string, trialNo: number, attempt: number): Promise<void> {
    this.committed.delete(this.attemptPrefix(sweepId, trialNo, attempt));
    await rm(this.checkpointWorkDir(sweepId, trialNo, attempt), { recursive: true, force: true });
  }

  async openCheckpoint(sweepId: string, trialNo: number, attempt: number): Promise<LocalArtifact | null> {
    const prefix = this.attemptPrefix(sweepId, trialNo, attempt);
    const where = this.io.url(prefix);
    return this.reread(where, async () => {
      const manifest = await this.io.getBytes(`${prefix}/${MANIFEST_FILE}`);
      if (!manifest) return null;
      const files = halfWrittenIfBad(() => checkpointFilesOf(manifest.toString('utf8'), where));
      const key = `ckpt+${sweepId}+${trialNo}+${attempt}+${crc32(manifest).toString(16)}`;
      return this.cache.open(key, async (dir) => {
        await writeFile(join(dir, MANIFEST_FILE), manifest);
        await this.downloadAll(prefix, files, dir, where);
      });
    });
  }

  async discardCheckpoint(sweepId: string, trialNo: number, attempt: number): Promise<string | null> {
    const prefix = this.attemptPrefix(sweepId, trialNo, attempt);
    await this.io.delete([`${prefix}/${MANIFEST_FILE}`]);
    await this.io.deletePrefix(`${prefix}/`);
    await this.closeCheckpointWorkDir(sweepId, trialNo, attempt);
    return null;
  }

  async listCheckpoints(sweepId: string): Promise<TrialCheckpoints[]> {
    const found = new Map<number, number[]>();
    for (const key of await this.io.list(`${this.sweepPrefix(sweepId)}/trials/`)) {
      const m = /\/trials\/(\d+)\/(\d+)\/checkpoint\.json$/.exec(key);
      if (!m) continue;
      const [trialNo, attempt] = [Number(m[1]), Number(m[2])];
      found.set(trialNo, [...(found.get(trialNo) ?? []), attempt]);
    }
    return [...found.entries()]
      .sort(([a], [b]) => a - b)
      .map(([trialNo, attempts]) => ({ trialNo, attempts: attempts.sort((a, b) => a - b) }));
  }

  async deleteCheckpoints(sweepId: string, trialNos: readonly number[]): Promise<void> {
    for (const n of trialNos)
      await this.deleteKeysManifestsFirst(await this.io.list(`${this.trialPrefix(sweepId, n)}/`));
  }

  async deleteCheckpointAttempts(sweepId: string, trialNo: number, keepAttempt: number): Promise<void> {
    assertAttempt(keepAttempt);
    const prefix = `${this.trialPrefix(sweepId, trialNo)}/`;
    const keys = await this.io.list(prefix);
    await this.deleteKeysManifestsFirst(keys.filter((k) => !k.startsWith(`${prefix}${keepAttempt}/`)));
  }

  async promoteModel(sweepId: string, trialNo: number, attempt: number): Promise<void> {
    const from = this.attemptPrefix(sweepId, trialNo, attempt);
    const manifest = await this.io.getBytes(`${from}/${MANIFEST_FILE}`);
    if (!manifest) throw new CheckpointError(this.io.url(from), `no ${MANIFEST_FILE} to promote`);
    const version = newVersion();
    const to = `${this.sweepPrefix(sweepId)}/model/${version}`;
    const files = checkpointFilesOf(manifest.toString('utf8'), this.io.url(from));
    // Copied inside the store (no download); the manifest read above is the one written.
    for (const f of files) await this.io.copy(`${from}/${f.file}`, `${to}/${f.file}`);
    await this.io.putBytes(`${to}/${MANIFEST_FILE}`, manifest, 'application/json');
    const all = [...files, { file: MANIFEST_FILE, bytes: manifest.length, crc32: crc32(manifest) }];
    await this.putPointer(`${this.sweepPrefix(sweepId)}/model.json`, {
      version,
      files: all,
      trialNo,
      attempt,
    });
    await this.deleteOtherVersions(`${this.sweepPrefix(sweepId)}/model/`, version);
  }

  async openModel(sweepId: string): Promise<LocalArtifact | null> {
    const sweep = this.sweepPrefix(sweepId);
    return this.openPointed(`${sweep}/model.json`, (p) => ({
      key: `model+${sweepId}+${p.version}`,
      dir: `${sweep}/model/${p.version}`,
    }));
  }

  async putSweepResult(sweepId: string, name: string, bytes: Uint8Array): Promise<void> {
    assertResultName(name);
    // One PUT: an object store makes it appear whole.
    await this.io.putBytes(`${this.sweepPrefix(sweepId)}/results/${name}`, bytes);
  }

  async getSweepResult(sweepId: string, name: string): Promise<Uint8Array | null> {
    assertResultName(name);
    return this.io.getBytes(`${this.sweepPrefix(sweepId)}/results/${name}`);
  }

  async deleteSweep(sweepId: string): Promise<void> {
    const prefix = this.sweepPrefix(sweepId);
    await this.io.delete([`${prefix}/model.json`]);
    await this.deleteKeysManifestsFirst(await this.io.list(`${prefix}/`));
    await removeDeletedSweepDir(join(this.cache.root, 'work', prefix));
  }

  /** The local copy of what a pointer names, fetched and verified once per host; null without a pointer. */
  private async openPointed(
    pointerKey: string,
    place: (p: Pointer) => { key: string; dir: string },
  ): Promise<LocalArtifact | null> {
    return this.reread(this.io.url(pointerKey), async () => {
      const pointer = await this.readPointer(pointerKey);
      if (!pointer) return null;
      const { key, dir } = place(pointer);
      return this.cache.open(key, (local) => this.downloadAll(dir, pointer.files, local, this.io.url(dir)));
    });
  }

  /**
   * Runs `read` again (OPEN_TRIES in all) when what it read changed under it: a file its manifest
   * named was replaced by a newer write, a manifest or pointer was served half written (servers
   * that write objects in place, like s3rver), or a download broke off.
   */
  private async reread<T>(where: string, read: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await read();
      } catch (e) {
        if (!(e instanceof Replaced || e instanceof HalfWritten || e instanceof BrokenDownload)) throw e;
        if (tries < OPEN_TRIES) {
          await pause(tries);
          continue;
        }
        if (e instanceof Replaced) throw new CheckpointError(where, `missing ${e.file}`);
        throw e instanceof HalfWritten ? e.cause : e;
      }
    }
  }

  /** Downloads the named files of `prefix` into `dir`, each checked against its size and CRC32. */
  private async downloadAll(
    prefix: string,
    files: CheckpointFile[],
    dir: string,
    where: string,
  ): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const f of files) {
      const got = await this.io.download(`${prefix}/${f.file}`, join(dir, f.file));
      if (!got) throw new Replaced(f.file);
      if ((f.bytes !== null && got.bytes !== f.bytes) || (f.crc32 !== null && got.crc32 !== f.crc32))
        throw new CheckpointError(where, `${f.file} is corrupt (size or CRC32 mismatch)`);
    }
  }

  private async readPointer(key: string): Promise<Pointer | null> {
    const bytes = await this.io.getBytes(key);
    if (!bytes) return null;
    return halfWrittenIfBad(() => {
      try {
        return JSON.parse(bytes.toString('utf8')) as Pointer;
      } catch (e) {
        throw new CheckpointError(this.io.url(key), `not valid JSON (${(e as Error).message})`);
      }
    });
  }

  private async putPointer(key: string, p: Pointer): Promise<void> {
    await this.io.putBytes(key, JSON.stringify(p), 'application/json');
  }

  /** After a pointer moved on: the versions it no longer names go. */
  private async deleteOtherVersions(versionsPrefix: string, keep: string): Promise<void> {
    const keys = await this.io.list(versionsPrefix);
    await this.io.delete(keys.filter((k) => !k.startsWith(`${versionsPrefix}${keep}/`)));
  }

  /** Manifests first, so that no reader takes what remains for a checkpoint. */
  private async deleteKeysManifestsFirst(keys: string[]): Promise<void> {
    const manifests = keys.filter((k) => k.endsWith(`/${MANIFEST_FILE}`));
    await this.io.delete(manifests);
    await this.io.delete(keys.filter((k) => !k.endsWith(`/${MANIFEST_FILE}`)));
  }

  private attemptPrefix(sweepId: string, trialNo: number, attempt: number): string {
    assertAttempt(attempt);
    return `${this.trialPrefix(sweepId, trialNo)}/${attempt}`;
  }

  private trialPrefix(sweepId: string, trialNo: number): string {
    assertTrialNo(trialNo);
    return `${this.sweepPrefix(sweepId)}/trials/${trialNo}`;
  }

  private sweepPrefix(sweepId: string): string {
    assertSafeId('sweep', sweepId);
    return `sweeps/${sweepId}`;
  }
}

/** A file a manifest named was not there: replaced by a newer write while it was being read. */
class Replaced extends Error {
  constructor(readonly file: string) {
    super(`${file} was replaced`);
  }
}

/** A manifest or pointer that does not parse: maybe served half written; read again before believing it. */
class HalfWritten extends Error {
  constructor(override readonly cause: CheckpointError) {
    super(cause.message);
  }
}

function halfWrittenIfBad<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof CheckpointError) throw new HalfWritten(e);
    throw e;
  }
}

/** Between re-reads of something replaced meanwhile: 20 ms, 40 ms, ... */
function pause(tries: number): Promise<void> {
  return new Promise((r) => setTimeout(r, 20 * tries));
}

/** Versions sort by time, and two writers never pick the same one. */
function newVersion(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(4).toString('hex')}`;
}
