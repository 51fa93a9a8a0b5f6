import { csrColumnCounts, csrNnz, type Csr } from './csr';
import type { PreparedDataset } from './dataset';

// Type aliases, not interfaces: they must fit DatasetMeta.stats (Record<string, unknown>).
export type Quantiles = {
  readonly min: number;
  readonly p25: number;
  readonly median: number;
  readonly p75: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
};

/** Shape and distribution of the prepared splits. */
export type DatasetStats = {
  readonly users: { readonly train: number; readonly validation: number; readonly test: number };
  readonly items: number;
  /** Interactions in the prepared splits (train + fold-in + held-out). */
  readonly events: number;
  readonly trainEvents: number;
  /** trainEvents / (train users x items). */
  readonly density: number;
  /** Items per training user. */
  readonly userActivity: Quantiles;
  /** Training users per item. */
  readonly itemPopularity: Quantiles;
  /** Held-out users with too few items to hold any out (evaluation skips them). */
  readonly heldOutUsersWithoutHeldOut: { readonly validation: number; readonly test: number };
};

/** What happened on the way from the file to the splits. */
export type PrepareCounts = {
  /** Interactions read from the file. */
  readonly rawEvents: number;
  /** Interactions kept by binarizing (rating > threshold; after undersampling when on), duplicates included. */
  readonly binarized: number;
  /** Distinct (user, item) pairs among them. */
  readonly distinctEvents: number;
  /** Users, items and events left by the item-then-user count filter. */
  readonly usersAfterFilter: number;
  readonly itemsAfterFilter: number;
  readonly eventsAfterFilter: number;
};

/** Everything prepareDataset puts in meta.stats. */
export type PrepareStats = PrepareCounts &
  DatasetStats & {
    /** Held-out users dropped because none of their items is a training item. */
    readonly heldOutUsersDropped: { readonly validation: number; readonly test: number };
  };

export function datasetStats(
  d: Pick<PreparedDataset, 'train' | 'validation' | 'test' | 'nItems'>,
): DatasetStats {
  const trainEvents = csrNnz(d.train);
  const splitEvents = (s: PreparedDataset['validation']) => csrNnz(s.foldIn) + csrNnz(s.heldOut);
  const emptyHeldOut = (s: PreparedDataset['validation']) => {
    let n = 0;
    for (let r = 0; r < s.heldOut.nRows; r++) if (s.heldOut.indptr[r + 1] === s.heldOut.indptr[r]) n++;
    return n;
  };
  return {
    users: { train: d.train.nRows, validation: d.validation.foldIn.nRows, test: d.test.foldIn.nRows },
    items: d.nItems,
    events: trainEvents + splitEvents(d.validation) + splitEvents(d.test),
    trainEvents,
    density: trainEvents / Math.max(1, d.train.nRows * d.nItems),
    userActivity: quantiles(rowLengths(d.train)),
    itemPopularity: quantiles(csrColumnCounts(d.train)),
    heldOutUsersWithoutHeldOut: { validation: emptyHeldOut(d.validation), test: emptyHeldOut(d.test) },
  };
}

function rowLengths(m: Csr): Int32Array {
  const out = new Int32Array(m.nRows);
  for (let r = 0; r < m.nRows; r++) out[r] = m.indptr[r + 1] - m.indptr[r];
  return out;
}

/** Nearest-rank quantiles of a list of counts. */
export function quantiles(values: Int32Array): Quantiles {
  const s = Int32Array.from(values).sort();
  const n = s.length;
  const at = (q: number) => (n ? s[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] : 0);
  let sum = 0;
  for (const v of s) sum += v;
  return {
    min: n ? s[0] : 0,
    p25: at(0.25),
    median: at(0.5),
    p75: at(0.75),
    p90: at(0.9),
    p99: at(0.99),
    max: n ? s[n - 1] : 0,
    mean: n ? sum / n : 0,
  };
}
