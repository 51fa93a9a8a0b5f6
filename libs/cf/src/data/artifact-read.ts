import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  ARRAYS_FILE,
  IDS_FILE,
  LEGACY_MANIFEST_FILE,
  MANIFEST_FILE,
  manifestSchema,
  type ArrayEntry,
  type Manifest,
  type MatrixName,
} from './artifact-manifest';
import type { Csr } from './csr';
import type { HeldOutSplit, PreparedDataset } from './dataset';
import { DatasetArtifactError } from './errors';
import { DATASET_FORMAT_VERSION } from './meta';

/**
 * Loads a dataset directory written by writeDatasetArtifact. Checks the
 * format version, the manifest's shape, each file's size and CRC32, and that
 * every matrix is a well-formed CSR over nItems columns, so a missing,
 * truncated or tampered artifact fails here with a DatasetArtifactError
 * rather than as a wrong number or an out-of-range read during training.
 */
export async function readDatasetArtifact(dir: string): Promise<PreparedDataset> {
  const m = await readManifest(dir);
  const arrays = await readChecked(dir, ARRAYS_FILE, m);
  const idsBuf = await readChecked(dir, IDS_FILE, m);
  const ids = parseJson(dir, IDS_FILE, idsBuf.toString('utf8')) as Record<keyof Manifest['ids'], unknown>;
  const idList = (k: keyof Manifest['ids']): string[] => {
    const list = ids?.[k];
    if (!Array.isArray(list) || list.length !== m.ids[k] || !list.every((x) => typeof x === 'string'))
      throw new DatasetArtifactError(dir, `${IDS_FILE}: "${k}" is not a list of ${m.ids[k]} ids`);
    return list as string[];
  };
  const csr = (name: MatrixName): Csr => {
    const e = m.matrices[name];
    const indptr = int32s(dir, arrays, e.indptr, `${name}.indptr`);
    const indices = int32s(dir, arrays, e.indices, `${name}.indices`);
    const problem = csrProblem(e.nRows, m.nItems, indptr, indices);
    if (problem) throw new DatasetArtifactError(dir, `matrix ${name} is inconsistent: ${problem}`);
    return { nRows: e.nRows, nCols: m.nItems, indptr, indices };
  };
  const heldOut = (split: 'validation' | 'test'): HeldOutSplit => {
    const s = { foldIn: csr(`${split}.foldIn`), heldOut: csr(`${split}.heldOut`), userIds: idList(split) };
    if (s.foldIn.nRows !== s.userIds.length || s.heldOut.nRows !== s.userIds.length)
      throw new DatasetArtifactError(
        dir,
        `${split}: ${s.userIds.length} user ids for ${s.foldIn.nRows} rows`,
      );
    return s;
  };
  const train = csr('train');
  const trainUserIds = idList('train');
  const itemIds = idList('items');
  if (trainUserIds.length !== train.nRows || itemIds.length !== m.nItems)
    throw new DatasetArtifactError(dir, `${IDS_FILE} does not match the matrices`);
  return {
    nItems: m.nItems,
    train,
    trainUserIds,
    validation: heldOut('validation'),
    test: heldOut('test'),
    itemIds,
    meta: {
      formatVersion: m.formatVersion,
      createdAt: m.createdAt,
      ...(m.source && { source: m.source }),
      ...(m.options && { options: m.options }),
      ...(m.stats && { stats: m.stats }),
    },
  };
}

async function readManifest(dir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    const legacy = await access(join(dir, LEGACY_MANIFEST_FILE)).then(
      () => true,
      () => false,
    );
    throw new DatasetArtifactError(
      dir,
      legacy
        ? `written by an older vaecf (${LEGACY_MANIFEST_FILE}, no ${MANIFEST_FILE}): prepare it again`
        : `no ${MANIFEST_FILE} (not a prepared dataset directory?)`,
    );
  }
  const raw = parseJson(dir, MANIFEST_FILE, text) as { formatVersion?: unknown } | null;
  // The version first: a newer layout should say so, not fail on some field.
  if (raw?.formatVersion !== DATASET_FORMAT_VERSION)
    throw new DatasetArtifactError(
      dir,
      `format version ${String(raw?.formatVersion)}; this vaecf reads version ${DATASET_FORMAT_VERSION} (prepare it again)`,
    );
  const r = manifestSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new DatasetArtifactError(
      dir,
      `${MANIFEST_FILE}: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return r.data;
}

async function readChecked(
  dir: string,
  file: typeof ARRAYS_FILE | typeof IDS_FILE,
  m: Manifest,
): Promise<Buffer> {
  const buf = await readFile(join(dir, file)).catch(() => {
    throw new DatasetArtifactError(dir, `missing ${file}`);
  });
  const want = m.files[file];
  if (buf.length !== want.bytes)
    throw new DatasetArtifactError(
      dir,
      `${file} is corrupt: ${buf.length} bytes, manifest says ${want.bytes}`,
    );
  if (crc32(buf) !== want.crc32) throw new DatasetArtifactError(dir, `${file} is corrupt (CRC32 mismatch)`);
  return buf;
}

/** An int32 array of arrays.bin: a view when aligned (the usual case for a large file), else a copy. */
function int32s(dir: string, buf: Buffer, e: ArrayEntry, name: string): Int32Array {
  if (e.byteOffset + 4 * e.length > buf.length)
    throw new DatasetArtifactError(dir, `array ${name} lies outside ${ARRAYS_FILE}`);
  const start = buf.byteOffset + e.byteOffset;
  if (start % 4 === 0) return new Int32Array(buf.buffer, start, e.length);
  return new Int32Array(new Uint8Array(buf.buffer, start, 4 * e.length).slice().buffer);
}

function csrProblem(nRows: number, nCols: number, indptr: Int32Array, indices: Int32Array): string | null {
  if (indptr.length !== nRows + 1) return `indptr has ${indptr.length} entries for ${nRows} rows`;
  if (indptr[0] !== 0 || indptr[nRows] !== indices.length) return 'indptr does not span the indices';
  for (let r = 0; r < nRows; r++) if (indptr[r + 1] < indptr[r]) return `indptr decreases at row ${r}`;
  for (let k = 0; k < indices.length; k++)
    if (indices[k] < 0 || indices[k] >= nCols) return `item ${indices[k]} outside [0, ${nCols})`;
  return null;
}

function parseJson(dir: string, file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DatasetArtifactError(dir, `${file} is not valid JSON (${(e as Error).message})`);
  }
}
