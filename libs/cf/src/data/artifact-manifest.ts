import { z } from 'zod';
import { DATASET_FORMAT_VERSION } from './meta';

/**
 * The files of a dataset artifact directory:
 *   manifest.json  format version, createdAt, source, options, statistics,
 *                  the index of every array (file, dtype, byte offset, length),
 *                  id counts, and each data file's size and CRC32
 *   arrays.bin     every CSR array (int32, little-endian), concatenated
 *   ids.json       original ids: items, and users of train/validation/test
 *                  (JSON rather than lines of text: a quoted CSV id may hold a newline)
 */
export const MANIFEST_FILE = 'manifest.json';
export const ARRAYS_FILE = 'arrays.bin';
export const IDS_FILE = 'ids.json';
/** The manifest's name before it was called manifest.json (same layout otherwise unknown). */
export const LEGACY_MANIFEST_FILE = 'dataset.json';

export const MATRIX_NAMES = [
  'train',
  'validation.foldIn',
  'validation.heldOut',
  'test.foldIn',
  'test.heldOut',
] as const;
export type MatrixName = (typeof MATRIX_NAMES)[number];

const count = z.number().int().min(0);

const arrayEntry = z
  .object({
    file: z.literal(ARRAYS_FILE),
    dtype: z.literal('int32'),
    byteOffset: count.refine((n) => n % 4 === 0, 'must be a multiple of 4'),
    length: count,
  })
  .strict();
export type ArrayEntry = z.infer<typeof arrayEntry>;

const fileEntry = z.object({ bytes: count, crc32: count }).strict();

const matrixEntry = z.object({ nRows: count, indptr: arrayEntry, indices: arrayEntry }).strict();

export const manifestSchema = z
  .object({
    formatVersion: z.literal(DATASET_FORMAT_VERSION),
    createdAt: z.string(),
    source: z.object({ path: z.string().optional(), format: z.string().optional() }).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
    stats: z.record(z.string(), z.unknown()).optional(),
    endianness: z.literal('little'),
    nItems: count,
    matrices: z.object(
      Object.fromEntries(MATRIX_NAMES.map((m) => [m, matrixEntry])) as Record<MatrixName, typeof matrixEntry>,
    ),
    ids: z.object({ items: count, train: count, validation: count, test: count }).strict(),
    files: z.object({ [ARRAYS_FILE]: fileEntry, [IDS_FILE]: fileEntry }).strict(),
  })
  .strict();
export type Manifest = z.infer<typeof manifestSchema>;
