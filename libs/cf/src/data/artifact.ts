import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Csr } from './csr';
import type { DatasetMeta, HeldOutSplit, PreparedDataset } from './dataset';
import { DatasetArtifactError } from './errors';
import { DATASET_FORMAT_VERSION } from './prepare';

/**
 * A prepared dataset on disk is one directory:
 *   dataset.json   manifest: format version, meta (options, statistics), shapes, array index, CRC32
 *   arrays.bin     every CSR array (int32, little-endian), concatenated
 *   ids.json       original item ids and user ids per split
 * It is written into a sibling temporary directory and renamed into place,
 * so a crash never leaves a half-written dataset under the final name.
 */
const MANIFEST = 'dataset.json';
const ARRAYS = 'arrays.bin';
const IDS = 'ids.json';

const MATRICES = ['train', 'validation.foldIn', 'validation.heldOut', 'test.foldIn', 'test.heldOut'] as const;
type MatrixName = (typeof MATRICES)[number];

interface Manifest {
  readonly formatVersion: number;
  readonly nItems: number;
  readonly meta: DatasetMeta;
  readonly matrices: Record<
    MatrixName,
    { nRows: number; indptr: [number, number]; indices: [number, number] }
  >;
  readonly arraysBytes: number;
  readonly arraysCrc32: number;
}

function matrixOf(d: PreparedDataset, name: MatrixName): Csr {
  if (name === 'train') return d.train;
  const [split, part] = name.split('.') as ['validation' | 'test', 'foldIn' | 'heldOut'];
  return d[split][part];
}

export async function writeDatasetArtifact(dir: string, d: PreparedDataset): Promise<void> {
  const arrays: Int32Array[] = [];
  let offset = 0;
  const place = (a: Int32Array): [number, number] => {
    arrays.push(a);
    const at: [number, number] = [offset, a.length];
    offset += a.length;
    return at;
  };
  const matrices = Object.fromEntries(
    MATRICES.map((name) => {
      const m = matrixOf(d, name);
      return [name, { nRows: m.nRows, indptr: place(m.indptr), indices: place(m.indices) }];
    }),
  ) as Manifest['matrices'];
  const all = new Int32Array(offset);
  let at = 0;
  for (const a of arrays) {
    all.set(a, at);
    at += a.length;
  }
  const bytes = Buffer.from(all.buffer, all.byteOffset, all.byteLength);
  const manifest: Manifest = {
    formatVersion: DATASET_FORMAT_VERSION,
    nItems: d.nItems,
    meta: d.meta,
    matrices,
    arraysBytes: bytes.length,
    arraysCrc32: crc32(bytes),
  };
  const ids = {
    items: d.itemIds,
    train: d.trainUserIds,
    validation: d.validation.userIds,
    test: d.test.userIds,
  };

  const tmp = join(dirname(dir), `.${randomBytes(6).toString('hex')}.tmp`);
  await mkdir(tmp, { recursive: true });
  try {
    await writeFile(join(tmp, ARRAYS), bytes);
    await writeFile(join(tmp, IDS), JSON.stringify(ids));
    await writeFile(join(tmp, MANIFEST), JSON.stringify(manifest, null, 1));
    // Move any old dataset aside before the new one takes its name: at every moment one complete copy exists.
    const old = `${tmp}.old`;
    const hadOld = await rename(dir, old).then(
      () => true,
      () => false,
    );
    await rename(tmp, dir);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

export async function readDatasetArtifact(dir: string): Promise<PreparedDataset> {
  const m = await readJson<Manifest>(dir, MANIFEST);
  if (m.formatVersion !== DATASET_FORMAT_VERSION) {
    throw new DatasetArtifactError(
      dir,
      `format version ${m.formatVersion}; this vaecf reads version ${DATASET_FORMAT_VERSION} (prepare it again)`,
    );
  }
  const buf = await readFile(join(dir, ARRAYS)).catch(() => {
    throw new DatasetArtifactError(dir, `missing ${ARRAYS}`);
  });
  if (buf.length !== m.arraysBytes || crc32(buf) !== m.arraysCrc32)
    throw new DatasetArtifactError(dir, `${ARRAYS} is corrupt (size or CRC32 mismatch)`);
  const all = new Int32Array(buf.length / 4);
  new Uint8Array(all.buffer).set(buf);
  const csr = (name: MatrixName): Csr => {
    const e = m.matrices[name];
    const indptr = all.subarray(e.indptr[0], e.indptr[0] + e.indptr[1]);
    const indices = all.subarray(e.indices[0], e.indices[0] + e.indices[1]);
    if (indptr.length !== e.nRows + 1 || indptr[e.nRows] !== indices.length)
      throw new DatasetArtifactError(dir, `matrix ${name} is inconsistent`);
    return { nRows: e.nRows, nCols: m.nItems, indptr, indices };
  };
  const ids = await readJson<{ items: string[]; train: string[]; validation: string[]; test: string[] }>(
    dir,
    IDS,
  );
  const heldOut = (split: 'validation' | 'test', userIds: string[]): HeldOutSplit => ({
    foldIn: csr(`${split}.foldIn`),
    heldOut: csr(`${split}.heldOut`),
    userIds,
  });
  const d: PreparedDataset = {
    nItems: m.nItems,
    train: csr('train'),
    trainUserIds: ids.train,
    validation: heldOut('validation', ids.validation),
    test: heldOut('test', ids.test),
    itemIds: ids.items,
    meta: m.meta,
  };
  if (d.itemIds.length !== d.nItems || d.trainUserIds.length !== d.train.nRows)
    throw new DatasetArtifactError(dir, `${IDS} does not match the matrices`);
  return d;
}

async function readJson<T>(dir: string, file: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch {
    throw new DatasetArtifactError(dir, `no ${file} (not a prepared dataset directory?)`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new DatasetArtifactError(dir, `${file} is not valid JSON (${(e as Error).message})`);
  }
}
