import { basename } from 'node:path';
import { Rng } from '../runtime/rng';
import { FloatColumn, IntColumn, Interner } from './columns';
import { csrColumnCounts, csrFromPairs, csrRowLength, csrSelectRows, type Csr } from './csr';
import type { PreparedDataset } from './dataset';
import { DatasetInputError } from './errors';
import { resolvePrepareOptions, type PrepareOptions, type PrepareOptionsInput } from './options';
import { readInteractions, type ReadProgress } from './read';
import { heldOutSplit } from './split';
import { datasetStats } from './stats';
import { undersampleByRating } from './undersample';

export const DATASET_FORMAT_VERSION = 1;

export interface PrepareHooks {
  readonly onProgress?: (p: ReadProgress) => void;
}

/**
 * Reads a ratings file and prepares it as the paper's code does: binarize
 * (rating > threshold), drop rare items then light users, shuffle users with
 * the seed, hold out the last 2N (validation, then test), keep the items of
 * the training users, and split each held-out user's items into fold-in and
 * held-out. Users are ordered by first appearance in the file before the
 * shuffle; training items are indexed in order of first appearance among the
 * shuffled training users.
 */
export async function prepareDataset(
  path: string,
  input: PrepareOptionsInput,
  hooks: PrepareHooks = {},
): Promise<PreparedDataset> {
  const options = resolvePrepareOptions(input);
  const users = new Interner();
  const items = new Interner();
  const u = new IntColumn();
  const i = new IntColumn();
  const ratings = options.undersampleRatings ? new FloatColumn() : null;
  const { threshold } = options;
  const rawEvents = await readInteractions(
    path,
    { format: options.format, csv: options.csv, onProgress: hooks.onProgress },
    (user, item, rating) => {
      // Binarize while reading (keeps memory at 8 bytes per kept event) unless undersampling needs the ratings.
      if (!ratings && threshold !== null && !(rating > threshold)) return;
      u.push(users.intern(user));
      i.push(items.intern(item));
      ratings?.push(rating);
    },
  );
  let rows = u.view();
  let cols = i.view();
  if (ratings)
    ({ rows, cols } = undersampleByRating(
      rows,
      cols,
      ratings.view(),
      threshold,
      Rng.fromSeed(options.seed).fork(),
    ));
  const binarized = rows.length;
  const all = csrFromPairs(users.ids.length, items.ids.length, rows, cols);
  const { matrix, keptUsers } = filterCounts(all, options);
  return split(path, matrix, keptUsers, users.ids, items.ids, options, { rawEvents, binarized });
}

/** Items with fewer than minItemCount users go first, then users with fewer than minUserCount items. */
function filterCounts(m: Csr, o: PrepareOptions): { matrix: Csr; keptUsers: Int32Array } {
  let matrix = m;
  if (o.minItemCount > 0) {
    const counts = csrColumnCounts(m);
    const r: number[] = [];
    const c: number[] = [];
    for (let row = 0; row < m.nRows; row++) {
      for (let p = m.indptr[row]; p < m.indptr[row + 1]; p++) {
        if (counts[m.indices[p]] >= o.minItemCount) {
          r.push(row);
          c.push(m.indices[p]);
        }
      }
    }
    matrix = csrFromPairs(m.nRows, m.nCols, Int32Array.from(r), Int32Array.from(c));
  }
  const kept: number[] = [];
  for (let row = 0; row < matrix.nRows; row++)
    if (csrRowLength(matrix, row) >= Math.max(1, o.minUserCount)) kept.push(row);
  return { matrix, keptUsers: Int32Array.from(kept) };
}

function split(
  path: string,
  matrix: Csr,
  keptUsers: Int32Array,
  userIds: string[],
  itemIds: string[],
  o: PrepareOptions,
  counts: { rawEvents: number; binarized: number },
): PreparedDataset {
  const n = keptUsers.length;
  const N = o.heldoutUsers;
  if (n <= 2 * N) {
    throw new DatasetInputError(
      path,
      0,
      `too few users left after filtering: ${n} users with >= ${o.minUserCount} items, but ${2 * N} are needed for ` +
        `validation and test (heldoutUsers = ${N}) plus at least one training user; lower heldoutUsers or the filters`,
    );
  }
  const rng = Rng.fromSeed(o.seed);
  const order = rng.permutation(n).map((k) => keptUsers[k]);
  const trainRaw = order.subarray(0, n - 2 * N);
  const validationRaw = order.subarray(n - 2 * N, n - N);
  const testRaw = order.subarray(n - N);

  // Training items, indexed by first appearance among the shuffled training users.
  const itemMap = new Int32Array(matrix.nCols).fill(-1);
  const trainItemIds: string[] = [];
  for (const user of trainRaw) {
    for (let p = matrix.indptr[user]; p < matrix.indptr[user + 1]; p++) {
      const raw = matrix.indices[p];
      if (itemMap[raw] < 0) {
        itemMap[raw] = trainItemIds.length;
        trainItemIds.push(itemIds[raw]);
      }
    }
  }
  const nItems = trainItemIds.length;
  const trainSel = csrSelectRows(matrix, trainRaw);
  const train = csrFromPairs(
    trainSel.nRows,
    nItems,
    rowsOf(trainSel),
    trainSel.indices.map((raw) => itemMap[raw]),
  );
  const validation = heldOutSplit(
    matrix,
    validationRaw,
    userIds,
    itemMap,
    nItems,
    o.heldoutFraction,
    rng.fork(),
  );
  const test = heldOutSplit(matrix, testRaw, userIds, itemMap, nItems, o.heldoutFraction, rng.fork());
  const trainUserIds = Array.from(trainRaw, (k) => userIds[k]);
  const dataset = {
    nItems,
    train,
    trainUserIds,
    validation,
    test,
    itemIds: trainItemIds,
    meta: {
      formatVersion: DATASET_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      source: { path: basename(path), format: o.format },
      options: { ...o },
      stats: {},
    },
  };
  return {
    ...dataset,
    meta: { ...dataset.meta, stats: { ...datasetStats(dataset), ...counts, usersAfterFilter: n } },
  };
}

function rowsOf(m: Csr): Int32Array {
  const out = new Int32Array(m.indptr[m.nRows]);
  for (let r = 0; r < m.nRows; r++) out.fill(r, m.indptr[r], m.indptr[r + 1]);
  return out;
}
