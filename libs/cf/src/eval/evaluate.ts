import { csrRowLength, csrRowRange, type Csr } from '../data/csr';
import type { HeldOutSplit } from '../data/dataset';
import { rankingMetrics, type BatchMetrics } from '../metrics/ranking';

/** Anything that scores every item for a batch of users given their fold-in items. */
export interface Scorer {
  /** Row-major [foldIn.nRows x nItems] scores; higher ranks first. */
  score(foldIn: Csr): Float32Array | Promise<Float32Array>;
}

export interface EvalResult {
  readonly ndcg100: number;
  readonly recall20: number;
  readonly recall50: number;
  /** Means at every k asked for (always including 100 for NDCG and 20, 50 for recall). */
  readonly ndcg: Readonly<Record<number, number>>;
  readonly recall: Readonly<Record<number, number>>;
  /** Users the means are over (those with at least one held-out item). */
  readonly users: number;
  /** Held-out users without held-out items (fewer than 5 items): left out of the means. */
  readonly skippedNoHeldOut: number;
  /**
   * With `perUser: true`: every user's metrics in split row order, NaN for a
   * skipped user (for paired comparisons between models, e.g. significance tests).
   */
  readonly perUser?: BatchMetrics;
}

export interface EvaluateOptions {
  /** Users scored at once: bounds memory to batchSize x nItems floats. Default 1000. */
  readonly batchSize?: number;
  /** Extra cutoffs; 20, 50 and 100 are always computed. */
  readonly ks?: readonly number[];
  readonly perUser?: boolean;
}

/** The cutoffs the headline fields need. */
export const HEADLINE_KS: readonly number[] = [20, 50, 100];

/**
 * Means of NDCG@k and Recall@k over the users of a held-out split, scoring
 * `batchSize` users at a time so that no [users x items] matrix is ever
 * whole (40,000 users x 20,000 items would be 3.2 GB). Batches are contiguous
 * row ranges sharing the split's buffers, so slicing costs O(batch) only.
 */
export async function evaluate(
  scorer: Scorer,
  split: HeldOutSplit,
  opts: EvaluateOptions = {},
): Promise<EvalResult> {
  const batchSize = opts.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`evaluate: batchSize must be a positive integer, got ${batchSize}`);
  const ks = [...new Set([...HEADLINE_KS, ...(opts.ks ?? [])])].sort((a, b) => a - b);
  for (const k of ks)
    if (!Number.isInteger(k) || k < 1) throw new Error(`evaluate: k must be a positive integer, got ${k}`);
  const { foldIn: allFoldIn, heldOut: allHeldOut } = split;
  const total = allFoldIn.nRows;
  if (allHeldOut.nRows !== total || allHeldOut.nCols !== allFoldIn.nCols)
    throw new Error(
      `evaluate: fold-in is ${total} x ${allFoldIn.nCols} but held-out is ` +
        `${allHeldOut.nRows} x ${allHeldOut.nCols} (users x items)`,
    );

  const sumNdcg = new Float64Array(ks.length);
  const sumRecall = new Float64Array(ks.length);
  const perUser = opts.perUser ? emptyMetrics(ks, total) : undefined;
  let users = 0;
  for (let start = 0; start < total; start += batchSize) {
    const end = Math.min(start + batchSize, total);
    const foldIn = csrRowRange(allFoldIn, start, end);
    const heldOut = csrRowRange(allHeldOut, start, end);
    const m = rankingMetrics(await scorer.score(foldIn), foldIn, heldOut, ks);
    for (let u = 0; u < end - start; u++) {
      if (csrRowLength(heldOut, u) === 0) continue;
      users++;
      ks.forEach((k, j) => {
        sumNdcg[j] += m.ndcg[k][u];
        sumRecall[j] += m.recall[k][u];
      });
    }
    if (perUser)
      for (const k of ks) {
        perUser.ndcg[k].set(m.ndcg[k], start);
        perUser.recall[k].set(m.recall[k], start);
      }
  }
  // No user with held-out items: the means are undefined, not 0.
  const mean = (sums: Float64Array) =>
    Object.fromEntries(ks.map((k, j) => [k, users ? sums[j] / users : NaN])) as Record<number, number>;
  const ndcg = mean(sumNdcg);
  const recall = mean(sumRecall);
  return {
    ndcg100: ndcg[100],
    recall20: recall[20],
    recall50: recall[50],
    ndcg,
    recall,
    users,
    skippedNoHeldOut: total - users,
    ...(perUser ? { perUser } : {}),
  };
}

function emptyMetrics(ks: readonly number[], users: number): BatchMetrics {
  const ndcg: Record<number, Float64Array> = {};
  const recall: Record<number, Float64Array> = {};
  for (const k of ks) {
    ndcg[k] = new Float64Array(users);
    recall[k] = new Float64Array(users);
  }
  return { ndcg, recall };
}
