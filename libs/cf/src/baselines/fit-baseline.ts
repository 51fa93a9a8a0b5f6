import { totalmem } from 'node:os';
import { InputError } from '@vaecf/errors';
import type { PreparedDataset } from '../data/dataset';
import { evaluate, type EvalResult } from '../eval/evaluate';
import { PopularityScorer } from '../eval/popularity';
import { EASE_LAMBDA_GRID, easeMemoryBytes, fitEase } from './ease';
import type { InverseOptions } from './spd-inverse';

/** The reference models every sweep can be compared with. */
export const BASELINE_MODELS = ['popularity', 'ease'] as const;
export type BaselineModel = (typeof BASELINE_MODELS)[number];

/** The three headline metrics of a split. */
export interface HeadlineMetrics {
  readonly ndcg100: number;
  readonly recall20: number;
  readonly recall50: number;
}
export type HeadlineMetric = keyof HeadlineMetrics;

export interface BaselineOptions extends InverseOptions {
  /** EASE's L2 weight; without it, the best of `easeLambdas` on the validation users. */
  readonly easeLambda?: number;
  readonly easeLambdas?: readonly number[];
  /** The validation metric that picks lambda (default ndcg100). */
  readonly metric?: HeadlineMetric;
  /** Bytes a baseline may hold; EASE above it is skipped with the reason (default: defaultBaselineMemoryLimitMb). */
  readonly memoryLimitBytes?: number;
  readonly evalBatchSize?: number;
  /** Keep the test users' per-user metrics (for paired significance tests). */
  readonly perUser?: boolean;
  /** Called as each step ends ("lambda 500: validation NDCG@100 0.41"). */
  readonly log?: (line: string) => void;
}

export interface LambdaTrial {
  readonly lambda: number;
  readonly validation: HeadlineMetrics;
}

export type BaselineResult =
  | {
      readonly model: BaselineModel;
      readonly status: 'completed';
      /** EASE: the lambda used, and every lambda tried with its validation metrics. */
      readonly lambda?: number;
      readonly grid?: readonly LambdaTrial[];
      readonly validation: HeadlineMetrics;
      readonly test: EvalResult;
      readonly seconds: number;
    }
  | { readonly model: BaselineModel; readonly status: 'skipped'; readonly reason: string };

/** Half the machine's memory: EASE's matrices must leave room for the worker and the dataset. */
export function defaultBaselineMemoryLimitMb(): number {
  return Math.floor(totalmem() / 2 ** 20 / 2);
}

/** Why a baseline cannot run within the limit, or null when it can. */
export function baselineMemoryProblem(
  model: BaselineModel,
  nItems: number,
  limitBytes: number,
): string | null {
  if (model !== 'ease') return null;
  const need = easeMemoryBytes(nItems);
  if (need <= limitBytes) return null;
  const mb = (b: number) => Math.ceil(b / 2 ** 20);
  return (
    `EASE needs about ${mb(need)} MB for ${nItems} items (an items x items float32 matrix), ` +
    `more than the baseline memory limit of ${mb(limitBytes)} MB (BASELINE_MEMORY_LIMIT_MB)`
  );
}

/**
 * Fits a baseline on the training users and evaluates it on the validation
 * and test users of the same split. EASE without a fixed lambda tries each
 * of the grid, keeps the one best on validation and reports its test
 * metrics (each lambda's test metrics are computed as it goes, so that only
 * one items x items matrix is ever held; they are never used to choose).
 */
export async function fitBaseline(
  model: BaselineModel,
  data: PreparedDataset,
  opts: BaselineOptions = {},
): Promise<BaselineResult> {
  const started = performance.now();
  const limit = opts.memoryLimitBytes ?? defaultBaselineMemoryLimitMb() * 2 ** 20;
  const problem = baselineMemoryProblem(model, data.nItems, limit);
  if (problem) return { model, status: 'skipped', reason: problem };
  const evalOpts = { batchSize: opts.evalBatchSize };
  const testOpts = { ...evalOpts, perUser: opts.perUser };
  const seconds = () => (performance.now() - started) / 1000;
  if (model === 'popularity') {
    const scorer = new PopularityScorer(data.train);
    const validation = headline(await evaluate(scorer, data.validation, evalOpts));
    const test = await evaluate(scorer, data.test, testOpts);
    return { model, status: 'completed', validation, test, seconds: seconds() };
  }
  const metric = opts.metric ?? 'ndcg100';
  const lambdas = opts.easeLambda !== undefined ? [opts.easeLambda] : (opts.easeLambdas ?? EASE_LAMBDA_GRID);
  if (lambdas.length === 0) throw new Error('EASE: no lambda to try');
  const grid: LambdaTrial[] = [];
  let best: { lambda: number; validation: HeadlineMetrics; test: EvalResult } | null = null;
  for (const lambda of lambdas) {
    let scorer: Awaited<ReturnType<typeof fitEase>> | null = await fitEase(data.train, lambda, opts);
    const validation = headline(await evaluate(scorer, data.validation, evalOpts));
    grid.push({ lambda, validation });
    opts.log?.(`EASE lambda ${lambda}: validation ${metric} ${validation[metric].toFixed(4)}`);
    if (!best || validation[metric] > best.validation[metric])
      best = { lambda, validation, test: await evaluate(scorer, data.test, testOpts) };
    scorer = null; // let the items x items matrix go before the next one is built
  }
  return { model, status: 'completed', ...best!, grid, seconds: seconds() };
}

function headline(r: EvalResult): HeadlineMetrics {
  return { ndcg100: r.ndcg100, recall20: r.recall20, recall50: r.recall50 };
}

/** BASELINE_MEMORY_LIMIT_MB as the CLI and the worker read it: unset or empty gives the default. */
export function parseBaselineMemoryLimitMb(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return defaultBaselineMemoryLimitMb();
  const mb = Number(value);
  if (!Number.isInteger(mb) || mb < 1)
    throw new InputError(
      `BASELINE_MEMORY_LIMIT_MB must be a whole number of megabytes (at least 1), got ${JSON.stringify(value)}`,
      'BASELINE_MEMORY_LIMIT_MB',
    );
  return mb;
}
