import { IntColumn } from './columns';
import { csrFromPairs, csrNnz, type Csr } from './csr';
import type { HeldOutSplit, PreparedDataset } from './dataset';
import { DatasetInputError } from './errors';
import { NumpyRandomState } from './numpy/mt19937';
import { defaultHeldoutUsers, type PrepareOptions } from './options';
// A cycle (prepare.ts calls this module), harmless: the constant is read at call time only.
import { datasetMeta } from './meta';
import { datasetStats, type PrepareCounts, type PrepareStats } from './stats';

/** The seed the notebook passes to np.random.seed before each random step. */
export const NOTEBOOK_SEED = 98765;

/** Binarized interactions in file order: user and item as indices into `userIds` / `itemIds`. */
export interface FileOrderEvents {
  readonly users: Int32Array;
  readonly items: Int32Array;
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
}

/**
 * The split of the paper's notebook (VAE_ML20M_WWW2018.ipynb), bit for bit:
 * filter_triplets on the rows (duplicates counted, as pandas does), the
 * surviving user ids sorted (unique_uid = the groupby index), reordered by
 * np.random.seed(seed); np.random.permutation, the last 2N users held out
 * (validation, then test), items numbered by pd.unique over the training
 * users' rows in file order, users by their permuted position, and each
 * held-out user's rows (file order, users in sorted id order) split by
 * np.random.choice(n, int(0.2 n), replace=False) with the generator seeded
 * again before the validation and before the test users.
 */
export function notebookSplit(
  path: string,
  events: FileOrderEvents,
  o: PrepareOptions,
  counts: Pick<PrepareCounts, 'rawEvents'>,
): PreparedDataset {
  const { users, items, userIds, itemIds } = events;
  const keep = filterTriplets(users, items, userIds.length, itemIds.length, o);
  const sorted = sortedUsers(users, keep, userIds);
  const n = sorted.length;
  const N = o.heldoutUsers ?? defaultHeldoutUsers(n);
  if (n <= 2 * N)
    throw new DatasetInputError(
      path,
      0,
      `too few users left after filtering: ${n} users with >= ${o.minUserCount} items, but ${2 * N} are needed for ` +
        `validation and test (heldoutUsers = ${N}) plus at least one training user; lower heldoutUsers or the filters`,
    );
  const rs = new NumpyRandomState(o.seed);
  const perm = rs.permutation(n);
  /** profile2id: the permuted position of each user (-1 when filtered out). */
  const position = new Int32Array(userIds.length).fill(-1);
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    order[k] = sorted[perm[k]];
    position[order[k]] = k;
  }
  const nTrain = n - 2 * N;

  // show2id: pd.unique over the training users' rows, in file order.
  const itemMap = new Int32Array(itemIds.length).fill(-1);
  const trainItemIds: string[] = [];
  const tu = new IntColumn();
  const ti = new IntColumn();
  for (let r = 0; r < users.length; r++) {
    const p = position[users[r]];
    if (!keep[r] || p < 0 || p >= nTrain) continue;
    if (itemMap[items[r]] < 0) {
      itemMap[items[r]] = trainItemIds.length;
      trainItemIds.push(itemIds[items[r]]);
    }
    tu.push(p);
    ti.push(itemMap[items[r]]);
  }
  const nItems = trainItemIds.length;
  const train = csrFromPairs(nTrain, nItems, tu.view(), ti.view());

  const heldOut = (from: number): HeldOutSplit =>
    splitTrainTestProportion(events, keep, position, itemMap, nItems, from, from + N, sorted, o);
  const validation = heldOut(nTrain);
  const test = heldOut(nTrain + N);
  const core = { nItems, train, validation, test };
  let kept = 0;
  for (const k of keep) kept += k;
  const stats: PrepareStats = {
    rawEvents: counts.rawEvents,
    binarized: users.length,
    distinctEvents: distinctPairs(users, items, userIds.length, itemIds.length),
    usersAfterFilter: n,
    itemsAfterFilter: distinctItems(items, keep, itemIds.length),
    eventsAfterFilter: kept,
    ...datasetStats(core),
    heldOutUsersDropped: { validation: N - validation.foldIn.nRows, test: N - test.foldIn.nRows },
  };
  return {
    ...core,
    trainUserIds: Array.from(order.subarray(0, nTrain), (u) => userIds[u]),
    itemIds: trainItemIds,
    meta: datasetMeta(path, o, N, stats),
  };
}

/** filter_triplets(tp, min_uc, min_sc) on rows: the mask of rows kept. */
function filterTriplets(
  users: Int32Array,
  items: Int32Array,
  nUsers: number,
  nItems: number,
  o: PrepareOptions,
): Uint8Array {
  const keep = new Uint8Array(users.length).fill(1);
  if (o.minItemCount > 0) {
    const itemCount = new Int32Array(nItems);
    for (const i of items) itemCount[i]++;
    for (let r = 0; r < items.length; r++) if (itemCount[items[r]] < o.minItemCount) keep[r] = 0;
  }
  if (o.minUserCount > 0) {
    const userCount = new Int32Array(nUsers);
    for (let r = 0; r < users.length; r++) if (keep[r]) userCount[users[r]]++;
    for (let r = 0; r < users.length; r++) if (userCount[users[r]] < o.minUserCount) keep[r] = 0;
  }
  return keep;
}

/**
 * The users of the kept rows in the order pandas' groupby sorts them: by
 * value. Integer ids (every MovieLens and Netflix file) sort as numbers,
 * like the int64 column pandas reads; anything else (MSD's hashes) as strings.
 */
function sortedUsers(users: Int32Array, keep: Uint8Array, userIds: readonly string[]): Int32Array {
  const present = new Uint8Array(userIds.length);
  for (let r = 0; r < users.length; r++) if (keep[r]) present[users[r]] = 1;
  const list: number[] = [];
  present.forEach((p, u) => p && list.push(u));
  const numeric = list.every((u) => /^-?\d+$/.test(userIds[u]) && Number.isSafeInteger(Number(userIds[u])));
  if (numeric) list.sort((a, b) => Number(userIds[a]) - Number(userIds[b]));
  else list.sort((a, b) => (userIds[a] < userIds[b] ? -1 : userIds[a] > userIds[b] ? 1 : 0));
  return Int32Array.from(list);
}

/**
 * split_train_test_proportion on the users at permuted positions [from, to):
 * their rows restricted to training items, grouped by user in sorted id
 * order (rows in file order), each group of n >= 5 rows losing
 * int(fraction * n) random rows to the held-out part. Rows of the result
 * are in permuted order, as load_tr_te_data numbers them (uid - start);
 * users without any training item have no row in either file and are dropped.
 */
function splitTrainTestProportion(
  events: FileOrderEvents,
  keep: Uint8Array,
  position: Int32Array,
  itemMap: Int32Array,
  nItems: number,
  from: number,
  to: number,
  sorted: Int32Array,
  o: PrepareOptions,
): HeldOutSplit {
  const { users, items } = events;
  const groups: number[][] = Array.from({ length: to - from }, () => []);
  for (let r = 0; r < users.length; r++) {
    const p = position[users[r]];
    if (keep[r] && p >= from && p < to && itemMap[items[r]] >= 0) groups[p - from].push(itemMap[items[r]]);
  }
  const rs = new NumpyRandomState(o.seed);
  const foldIn: number[][] = groups.map(() => []);
  const heldOut: number[][] = groups.map(() => []);
  for (const u of sorted) {
    const p = position[u];
    if (p < from || p >= to) continue;
    const rows = groups[p - from];
    const held = new Uint8Array(rows.length);
    if (rows.length >= 5) {
      for (const k of rs.choiceWithoutReplacement(rows.length, Math.floor(o.heldoutFraction * rows.length)))
        held[k] = 1;
    }
    rows.forEach((item, k) => (held[k] ? heldOut : foldIn)[p - from].push(item));
  }
  const present = groups.map((g, k) => (g.length > 0 ? k : -1)).filter((k) => k >= 0);
  const csr = (lists: number[][]): Csr => {
    const rr = new IntColumn();
    const cc = new IntColumn();
    present.forEach((k, row) => lists[k].forEach((item) => (rr.push(row), cc.push(item))));
    return csrFromPairs(present.length, nItems, rr.view(), cc.view());
  };
  const userAt = new Map<number, string>();
  for (const u of sorted)
    if (position[u] >= from && position[u] < to) userAt.set(position[u], events.userIds[u]);
  return {
    foldIn: csr(foldIn),
    heldOut: csr(heldOut),
    userIds: present.map((k) => userAt.get(from + k)!),
  };
}

function distinctPairs(users: Int32Array, items: Int32Array, nUsers: number, nItems: number): number {
  // Through a CSR (typed arrays): a Set would hold at most 2^24 pairs.
  return csrNnz(csrFromPairs(nUsers, nItems, users, items));
}

function distinctItems(items: Int32Array, keep: Uint8Array, nItems: number): number {
  const seen = new Uint8Array(nItems);
  let n = 0;
  for (let r = 0; r < items.length; r++) {
    if (!keep[r] || seen[items[r]]) continue;
    seen[items[r]] = 1;
    n++;
  }
  return n;
}
