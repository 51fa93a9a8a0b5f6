import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { InputError } from '@vaecf/errors';

/**
 * Where prepared datasets, trial checkpoints and promoted models live. The
 * training code reads and writes local directories; a store moves artifacts
 * between a local directory and itself, so that the API and the workers need
 * no shared disk (object storage), or share one (the filesystem store, where
 * the local directory is the store's own and nothing is copied).
 *
 * Checkpoints are kept per ATTEMPT: a positive integer (a fencing token)
 * that changes each time a trial changes hands, so a stale writer's files are
 * never read as the trial's. Layout, relative to the store's root or prefix:
 *   datasets/<datasetId>/...
 *   sources/<datasetId>/<generation>/...              (a registration's raw ratings file(s))
 *   sweeps/<sweepId>/trials/<trialNo>/<attempt>/...   (checkpoint.json = the commit point)
 *   sweeps/<sweepId>/model/...                         (a copy of one attempt's checkpoint)
 *   sweeps/<sweepId>/results/<name>                    (per-user test metrics of the best trial and baselines)
 *
 * Every `open*` hands out a lease on a local directory: read from it, then
 * `release()` it (a bounded local cache never evicts what is leased).
 */
export interface ArtifactStore {
  /** What and where, for logs ("filesystem /data/artifacts", "s3 s3://bucket/prefix"). */
  describe(): string;

  /** Makes the prepared dataset in `localDir` the dataset `datasetId`, replacing any previous one at once. Returns its version. */
  publishDataset(datasetId: string, localDir: string): Promise<string>;
  /** A local directory holding the dataset (fetched once per host and verified); throws ArtifactMissingError. */
  openDataset(datasetId: string): Promise<LocalArtifact>;
  datasetExists(datasetId: string): Promise<boolean>;
  /** Deletes the dataset; with `onlyVersion`, only while that version (publishDataset's) is the current one. */
  deleteDataset(datasetId: string, onlyVersion?: string): Promise<void>;

  /**
   * Copies the raw source of registration `generation` of a dataset into the
   * store: `localPath` is a file, or a directory of which the files named in
   * `only` (default: every regular file) are copied. Streamed (multipart on
   * S3); the source appears whole or not at all (its manifest is written last).
   */
  publishSource(
    datasetId: string,
    generation: number,
    localPath: string,
    only?: readonly string[],
  ): Promise<void>;
  /**
   * A local path to that registration's source (the file, or the directory
   * holding its files), fetched and verified once per host on S3; null when
   * the registration has no stored source (registered before sources were stored).
   */
  openSource(datasetId: string, generation: number): Promise<LocalSource | null>;
  /** Deletes the stored sources of the dataset's registrations up to and including `throughGeneration`. */
  deleteSources(datasetId: string, throughGeneration: number): Promise<void>;

  /** The local directory a trainer saves this attempt's checkpoint into (libs/cf saveCheckpoint). */
  checkpointWorkDir(sweepId: string, trialNo: number, attempt: number): string;
  /**
   * Makes what is in the work directory durable in the store: the array
   * files first, the manifest (checkpoint.json) last, so that a reader never
   * sees half a checkpoint. A no-op where the work directory is the store.
   */
  commitCheckpoint(sweepId: string, trialNo: number, attempt: number): Promise<void>;
  /** The trainer is done with the work directory: a store whose work directory is a local copy removes it. */
  closeCheckpointWorkDir(sweepId: string, trialNo: number, attempt: number): Promise<void>;
  /**
   * A local directory holding that attempt's last committed checkpoint, every
   * file verified against the manifest's sizes and CRC32s (a CheckpointError
   * from libs/cf names what is wrong); null if the attempt has none.
   */
  openCheckpoint(sweepId: string, trialNo: number, attempt: number): Promise<LocalArtifact | null>;
  /**
   * Removes an attempt's checkpoint that failed verification (from the store
   * and from the local work directory). Returns where it was moved aside for
   * inspection, or null when it was deleted.
   */
  discardCheckpoint(sweepId: string, trialNo: number, attempt: number): Promise<string | null>;
  /** Trials of a sweep with a committed checkpoint, and the attempts that have one (ascending). */
  listCheckpoints(sweepId: string): Promise<TrialCheckpoints[]>;
  /** Deletes every attempt's checkpoint of the given trials (missing ones are fine). */
  deleteCheckpoints(sweepId: string, trialNos: readonly number[]): Promise<void>;
  /** Deletes the trial's checkpoints of every attempt but `keepAttempt` (stale writers' leftovers). */
  deleteCheckpointAttempts(sweepId: string, trialNo: number, keepAttempt: number): Promise<void>;

  /** Copies an attempt's checkpoint to the sweep's model, replacing any previous one; readers never see half a model. */
  promoteModel(sweepId: string, trialNo: number, attempt: number): Promise<void>;
  /** A local directory holding the sweep's promoted model (cached per version), or null when none. */
  openModel(sweepId: string): Promise<LocalArtifact | null>;

  /**
   * Stores a small result of a sweep (per-user test metrics for significance tests) under
   * `sweeps/<sweepId>/results/<name>`, replacing any previous one at once.
   */
  putSweepResult(sweepId: string, name: string, bytes: Uint8Array): Promise<void>;
  /** That result's bytes, or null when there is none. */
  getSweepResult(sweepId: string, name: string): Promise<Uint8Array | null>;

  /**
   * Deletes a sweep's checkpoints, model and results. A writer of the sweep still at work (a
   * trial's checkpoint of the epoch in hand) never makes it fail: what that writer adds meanwhile
   * is its own to remove, once its writes are done and it finds the sweep's records gone.
   */
  deleteSweep(sweepId: string): Promise<void>;
}

/** A lease on a local directory holding an artifact. */
export interface LocalArtifact {
  readonly dir: string;
  /** The artifact's version in the store (an identity that changes when it is replaced). */
  readonly version: string;
  /** Done reading: the directory may be evicted from a local cache. Idempotent. */
  release(): void;
}

/** A lease on a local copy of a raw source: a file, or a directory of files (pro_sg). */
export interface LocalSource {
  readonly path: string;
  /** Done reading: the copy may be evicted from a local cache. Idempotent. */
  release(): void;
}

/** What `sources/<id>/<generation>/source.json` says: a file or a directory, and its files with sizes and CRC32s. */
export interface SourceManifest {
  readonly kind: 'file' | 'dir';
  readonly files: { file: string; bytes: number; crc32: number | null }[];
}

export const SOURCE_MANIFEST = 'source.json';

export function assertGeneration(generation: number): void {
  if (!Number.isInteger(generation) || generation < 1)
    throw new Error(`invalid dataset generation ${generation}`);
}

/** The files of a source to copy: the file itself, or the named (default: every regular) files of a directory. */
export async function sourceFiles(
  localPath: string,
  only?: readonly string[],
): Promise<{ kind: 'file' | 'dir'; files: { file: string; path: string }[] }> {
  const s = await stat(localPath);
  if (!s.isDirectory()) return { kind: 'file', files: [{ file: basename(localPath), path: localPath }] };
  const names = only ?? (await readdir(localPath)).sort();
  const files = [];
  for (const file of names) {
    const path = join(localPath, file);
    // stat follows symlinks: a pro_sg directory's files may be links to files under the data root.
    if (only || (await stat(path)).isFile()) files.push({ file, path });
  }
  return { kind: 'dir', files };
}

/** A file's size and CRC32, streamed (raw sources can be gigabytes). */
export async function fileChecksum(path: string): Promise<{ bytes: number; crc32: number }> {
  let bytes = 0;
  let crc = 0;
  for await (const chunk of createReadStream(path)) {
    bytes += (chunk as Buffer).length;
    crc = crc32(chunk as Buffer, crc);
  }
  return { bytes, crc32: crc };
}

export interface TrialCheckpoints {
  readonly trialNo: number;
  readonly attempts: number[];
}

/** The attempt of a trial's first run; later runs get greater ones (fencing tokens). */
export const FIRST_ATTEMPT = 1;

/** An artifact that is not in the store (a dataset never published or deleted). */
export class ArtifactMissingError extends Error {
  constructor(what: string, where: string) {
    super(`${what} is not in the artifact store (${where})`);
    this.name = 'ArtifactMissingError';
  }
}

/** Ids become path segments and key parts: refuse anything that could escape its folder. */
export function assertSafeId(kind: string, id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(id) || id.includes('..')) {
    throw new InputError(
      `invalid ${kind} id ${JSON.stringify(id)}: use letters, digits, '.', '_' and '-' (max 128)`,
      kind,
    );
  }
}

/** A result's name is one path segment. */
export function assertResultName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(name) || name.includes('..'))
    throw new Error(`invalid sweep result name ${JSON.stringify(name)}`);
}

export function assertTrialNo(trialNo: number): void {
  if (!Number.isInteger(trialNo) || trialNo < 0) throw new Error(`invalid trial number ${trialNo}`);
}

export function assertAttempt(attempt: number): void {
  if (!Number.isInteger(attempt) || attempt < 1) throw new Error(`invalid checkpoint attempt ${attempt}`);
}

/** A lease that holds nothing (the filesystem store's directories are never evicted). */
export function unleased(dir: string, version: string): LocalArtifact {
  return { dir, version, release: () => undefined };
}
