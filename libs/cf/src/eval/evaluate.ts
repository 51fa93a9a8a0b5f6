import { csrRowRange, type Csr } from '../data/csr';
import type { HeldOutSplit } from '../data/dataset';
import { rankingMetrics } from '../metrics/ranking';

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
}

export interface EvaluateOptions {
  /** Users scored at once: bounds memory to batchSize x nItems floats. Default 1000. */
  readonly batchSize?: number;
  readonly ks?: readonly number[];
}

/**
 * Means of NDCG@k and Recall@k over the users of a held-out split, scoring
 * `batchSize` users at a time so that no [users x items] matrix is ever
 * whole (40,000 users x 20,000 items would be 3.2 GB).
 */
export async function evaluate(
  scorer: Scorer,
  split: HeldOutSplit,
  opts: EvaluateOptions = {},
): Promise<EvalResult> {
  const batchSize = opts.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`evaluate: batchSize must be a positive integer, got ${batchSize}`);
  const ks = [...new Set([20, 50, 100, ...(opts.ks ?? [])])].sort((a, b) => a - b);
  const sumNdcg: Record<number, number> = Object.fromEntries(ks.map((k) => [k, 0]));
  const sumRecall: Record<number, number> = Object.fromEntries(ks.map((k) => [k, 0]));
  let users = 0;
  let skipped = 0;
  const total = split.foldIn.nRows;
  for (let start = 0; start < total; start += batchSize) {
    const end = Math.min(start + batchSize, total);
    const foldIn = csrRowRange(split.foldIn, start, end);
    const heldOut = csrRowRange(split.heldOut, start, end);
    const m = rankingMetrics(await scorer.score(foldIn), foldIn, heldOut, ks);
    for (let u = 0; u < end - start; u++) {
      if (Number.isNaN(m.ndcg[ks[0]][u])) {
        skipped++;
        continue;
      }
      users++;
      for (const k of ks) {
        sumNdcg[k] += m.ndcg[k][u];
        sumRecall[k] += m.recall[k][u];
      }
    }
  }
  const mean = (sums: Record<number, number>) =>
    Object.fromEntries(ks.map((k) => [k, users ? sums[k] / users : NaN])) as Record<number, number>;
  const ndcg = mean(sumNdcg);
  const recall = mean(sumRecall);
  return {
    ndcg100: ndcg[100],
    recall20: recall[20],
    recall50: recall[50],
    ndcg,
    recall,
    users,
    skippedNoHeldOut: skipped,
  };
}
