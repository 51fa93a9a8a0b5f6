import { basename } from 'node:path';
import { Rng } from '../runtime/rng';
import { FloatColumn, IntColumn, Interner } from './columns';
import { csrFromPairs, csrNnz, csrSelectRows, type Csr } from './csr';
import type { PreparedDataset } from './dataset';
import { DatasetInputError } from './errors';
import { countRows, filterCounts } from './filter';
import {
  defaultHeldoutUsers,
  PrepareOptionsError,
  resolvePrepareOptions,
  type PrepareOptions,
  type PrepareOptionsInput,
} from './options';
import { readInteractions, type ReadProgress } from './read';
import { notebookSplit } from './notebook-split';
import { importProSg } from './pro-sg-import';
import { heldOutSplit } from './split';
import { datasetStats, type PrepareCounts, type PrepareStats } from './stats';
import { undersampleByRating } from './undersample';

// Kept importable from here, where they were first defined (the split modules import meta.ts).
export { DATASET_FORMAT_VERSION, datasetMeta } from './meta';
import { datasetMeta } from './meta';

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
 * shuffled training users (each user's items in file-appearance order of the
 * items), so item 0 is the first item of the first training user.
 * With `split: 'numpy'` the split is the paper notebook's instead
 * (notebook-split.ts); format `pro_sg` loads a directory of the notebook's
 * files as they are (pro-sg-import.ts).
 */
export async function prepareDataset(
  path: string,
  input: PrepareOptionsInput,
  hooks: PrepareHooks = {},
): Promise<PreparedDataset> {
  const options = resolvePrepareOptions(input);
  if (options.format === 'pro_sg') return importProSg(path, options);
  const format = options.format;
  const users = new Interner();
  const items = new Interner();
  const u = new IntColumn();
  const i = new IntColumn();
  const ratings = options.undersampleRatings ? new FloatColumn() : null;
  const { threshold } = options;
  const rawEvents = await readInteractions(
    path,
    { format, csv: options.csv, onProgress: hooks.onProgress },
    (user, item, rating) => {
      // Binarize while reading (keeps memory at 8 bytes per kept event) unless undersampling needs the ratings.
      if (!ratings && threshold !== null && !(rating > threshold)) return;
      u.push(users.intern(user));
      i.push(items.intern(item));
      ratings?.push(rating);
    },
  );
  if (options.split === 'numpy') {
    const events = { users: u.view(), items: i.view(), userIds: users.ids, itemIds: items.ids };
    return notebookSplit(path, events, options, { rawEvents });
  }
  // One stream for everything random, drawn in a fixed order: undersampling, user shuffle, fold-in splits.
  const rng = Rng.fromSeed(options.seed);
  let rows = u.view();
  let cols = i.view();
  if (ratings) ({ rows, cols } = undersampleByRating(rows, cols, ratings.view(), threshold, rng));
  const all = csrFromPairs(users.ids.length, items.ids.length, rows, cols);
  const { matrix, keptUsers } = filterCounts(all, options.minItemCount, options.minUserCount);
  const kept = countRows(matrix, keptUsers);
  const counts: PrepareCounts = {
    rawEvents,
    binarized: rows.length,
    distinctEvents: csrNnz(all),
    usersAfterFilter: keptUsers.length,
    itemsAfterFilter: kept.items,
    eventsAfterFilter: kept.events,
  };
  return split(path, matrix, keptUsers, users.ids, items.ids, options, counts, rng);
}

function split(
  path: string,
  matrix: Csr,
  keptUsers: Int32Array,
  userIds: string[],
  itemIds: string[],
  o: PrepareOptions,
  counts: PrepareCounts,
  rng: Rng,
): PreparedDataset {
  const n = keptUsers.length;
  const N = o.heldoutUsers ?? defaultHeldoutUsers(n);
  if (n <= 2 * N) {
    const filters = `minUserCount ${o.minUserCount}, minItemCount ${o.minItemCount}`;
    const problem = `too few users left after filtering: ${basename(path)} has ${n} (${filters})`;
    throw o.heldoutUsers === undefined
      ? new DatasetInputError(path, 0, `${problem}; at least 3 are needed`)
      : new PrepareOptionsError(
          'heldoutUsers',
          `${problem}, but ${N} validation + ${N} test users and at least one training user need ` +
            `${2 * N + 1}; lower heldoutUsers (or leave it unset for 10% of the users) or the filters`,
          N,
        );
  }
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
  const fraction = o.heldoutFraction;
  const validation = heldOutSplit(matrix, validationRaw, userIds, itemMap, nItems, fraction, rng.fork());
  const test = heldOutSplit(matrix, testRaw, userIds, itemMap, nItems, fraction, rng.fork());
  const core = { nItems, train, validation, test };
  const stats: PrepareStats = {
    ...counts,
    ...datasetStats(core),
    // Held-out users with no training item left have nothing to fold in: they are dropped, and counted here.
    heldOutUsersDropped: { validation: N - validation.foldIn.nRows, test: N - test.foldIn.nRows },
  };
  return {
    ...core,
    trainUserIds: Array.from(trainRaw, (k) => userIds[k]),
    itemIds: trainItemIds,
    meta: datasetMeta(path, o, N, stats),
  };
}

function rowsOf(m: Csr): Int32Array {
  const out = new Int32Array(m.indptr[m.nRows]);
  for (let r = 0; r < m.nRows; r++) out.fill(r, m.indptr[r], m.indptr[r + 1]);
  return out;
}
