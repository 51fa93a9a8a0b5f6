import { basename } from 'node:path';
import type { PreparedDataset } from './dataset';
import type { PrepareOptions } from './options';

/**
 * The version of the prepared-dataset format and the metadata every split
 * (prepare's own, the notebook's, an imported pro_sg) stamps on a dataset:
 * a module of its own so that the split modules prepare.ts dispatches to
 * need not import prepare.ts back (an import cycle).
 */
export const DATASET_FORMAT_VERSION = 1;

/** A prepared dataset's metadata, whichever split drew it. */
export function datasetMeta(
  path: string,
  o: PrepareOptions,
  heldoutUsers: number,
  stats: PreparedDataset['meta']['stats'],
): PreparedDataset['meta'] {
  return {
    formatVersion: DATASET_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    source: { path: basename(path), format: o.format },
    // The held-out size actually used (also when it was the default).
    options: { ...o, heldoutUsers },
    stats,
  };
}
