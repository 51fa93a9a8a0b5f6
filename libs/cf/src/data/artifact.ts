import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  ARRAYS_FILE,
  IDS_FILE,
  LEGACY_MANIFEST_FILE,
  MANIFEST_FILE,
  MATRIX_NAMES,
  type ArrayEntry,
  type Manifest,
  type MatrixName,
} from './artifact-manifest';
import type { Csr } from './csr';
import type { PreparedDataset } from './dataset';
import { swapInto, writeFileSynced } from '../runtime/fs';
import { DatasetArtifactError } from './errors';
import { DATASET_FORMAT_VERSION } from './meta';

export { readDatasetArtifact } from './artifact-read';

export function matrixOf(d: Pick<PreparedDataset, 'train' | 'validation' | 'test'>, name: MatrixName): Csr {
  if (name === 'train') return d.train;
  const [split, part] = name.split('.') as ['validation' | 'test', 'foldIn' | 'heldOut'];
  return d[split][part];
}

/**
 * Writes a prepared dataset as one directory (layout in artifact-manifest.ts).
 * Everything goes into a sibling temporary directory, is fsynced, and is
 * renamed into place, so a crash never leaves a half-written dataset under
 * the final name; the CRC32s in the manifest catch what a lost write could
 * still corrupt. An existing dataset at `dir` is replaced; an existing
 * directory that is not a dataset is refused, never deleted.
 */
export async function writeDatasetArtifact(dir: string, d: PreparedDataset): Promise<void> {
  if (endianness() !== 'LE') throw new DatasetArtifactError(dir, 'artifacts are little-endian only');
  await refuseForeignDirectory(dir);
  const arrays: Int32Array[] = [];
  let byteOffset = 0;
  const place = (a: Int32Array): ArrayEntry => {
    arrays.push(a);
    const entry: ArrayEntry = { file: ARRAYS_FILE, dtype: 'int32', byteOffset, length: a.length };
    byteOffset += a.byteLength;
    return entry;
  };
  const matrices = Object.fromEntries(
    MATRIX_NAMES.map((name) => {
      const m = matrixOf(d, name);
      return [name, { nRows: m.nRows, indptr: place(m.indptr), indices: place(m.indices) }];
    }),
  ) as Manifest['matrices'];
  const bytes = Buffer.alloc(byteOffset);
  let at = 0;
  for (const a of arrays) {
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  const ids = Buffer.from(
    JSON.stringify({
      items: d.itemIds,
      train: d.trainUserIds,
      validation: d.validation.userIds,
      test: d.test.userIds,
    }),
  );
  const { formatVersion: _, ...meta } = d.meta;
  const manifest: Manifest = {
    formatVersion: DATASET_FORMAT_VERSION,
    ...meta,
    endianness: 'little',
    nItems: d.nItems,
    matrices,
    ids: {
      items: d.itemIds.length,
      train: d.trainUserIds.length,
      validation: d.validation.userIds.length,
      test: d.test.userIds.length,
    },
    files: {
      [ARRAYS_FILE]: { bytes: bytes.length, crc32: crc32(bytes) },
      [IDS_FILE]: { bytes: ids.length, crc32: crc32(ids) },
    },
  };

  await mkdir(dirname(dir), { recursive: true });
  // A sibling, so the final rename stays within one filesystem.
  const tmp = join(dirname(dir), `.${basename(dir)}.${randomBytes(6).toString('hex')}.tmp`);
  await mkdir(tmp);
  try {
    await writeFileSynced(join(tmp, ARRAYS_FILE), bytes);
    await writeFileSynced(join(tmp, IDS_FILE), ids);
    // The manifest last: a directory without one is never taken for a dataset.
    await writeFileSynced(join(tmp, MANIFEST_FILE), Buffer.from(JSON.stringify(manifest, null, 1)));
    await swapInto(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

async function refuseForeignDirectory(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    if (e.code === 'ENOTDIR') throw new DatasetArtifactError(dir, 'exists and is not a directory');
    throw e;
  });
  if (!entries || entries.length === 0) return;
  if (entries.includes(MANIFEST_FILE) || entries.includes(LEGACY_MANIFEST_FILE)) return;
  throw new DatasetArtifactError(
    dir,
    `exists and is not a prepared dataset (no ${MANIFEST_FILE}); refusing to replace it`,
  );
}

/** Whether `dir` holds a prepared dataset (its manifest is written last, so it marks a complete one). */
export function datasetArtifactExists(dir: string): boolean {
  return existsSync(join(dir, MANIFEST_FILE)) || existsSync(join(dir, LEGACY_MANIFEST_FILE));
}
