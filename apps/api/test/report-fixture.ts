import type { SweepView } from '@vaecf/orchestration';
import { parseSweepSpec } from '@vaecf/sweep';
import type { EpochPoint, ReportInput, ReportTrial } from '../src/sweeps/report';

/** A name that would run a script if any part of the report forgot to escape it. */
export const HOSTILE = '</script><img src=x onerror=alert(1)>';

const epoch = (epoch: number, ndcg100: number, beta: number): EpochPoint => ({
  epoch,
  loss: 600 - 10 * epoch,
  nll: 590 - 10 * epoch,
  kl: 20 + epoch,
  beta,
  validation: { ndcg100, recall20: ndcg100 * 0.9, recall50: ndcg100 * 1.1 },
});

const trial = (
  no: number,
  state: ReportTrial['state'],
  params: Record<string, unknown>,
  curve: number[],
  extra: Partial<ReportTrial> = {},
): ReportTrial => ({
  no,
  state,
  params: { model: 'vae', epochs: 5, ...params },
  createdAt: 1_700_000_000_000,
  attempt: 1,
  attempts: 1,
  checkpointRestarts: 0,
  epochs: curve.length,
  best: curve.length ? Math.max(...curve) : undefined,
  history: curve.map((v, k) => epoch(k + 1, v, Math.min(0.2, 0.05 * (k + 1)))),
  ...extra,
});

/**
 * A VAE sweep as the service hands it to the renderer: six trials (one the
 * best, one pruned, one with a single epoch, one failed, one queued), events,
 * dataset statistics, and user text that must be escaped everywhere.
 */
export function reportFixture(
  opts: { importance?: Record<string, number>; baselines?: boolean } = {},
): ReportInput {
  const spec = parseSweepSpec({
    name: HOSTILE,
    dataset: 'ml-20m',
    model: 'vae',
    fixed: { epochs: 5 },
    space: {
      lr: { type: 'loguniform', low: 1e-4, high: 1e-2 },
      dims: {
        type: 'choice',
        values: [
          [600, 200],
          [400, 100],
        ],
      },
      dropout: { type: 'uniform', low: 0.2, high: 0.6 },
    },
    search: { method: 'random', trials: 6 },
  });
  const trials = [
    trial(
      0,
      'completed',
      { lr: 0.0010000000474974513, dims: [600, 200], dropout: 0.5 },
      [0.2, 0.25, 0.3, 0.31, 0.32],
    ),
    trial(1, 'completed', { lr: 0.003, dims: [400, 100], dropout: 0.3 }, [0.22, 0.3, 0.35, 0.38, 0.4]),
    trial(2, 'pruned', { lr: 0.0002, dims: [600, 200], dropout: 0.4 }, [0.1, 0.12], {
      reason: 'asha rung 1',
    }),
    trial(3, 'completed', { lr: 0.005, dims: [400, 100], dropout: 0.25 }, [0.28]),
    trial(4, 'failed', { lr: 0.009, dims: [600, 200], dropout: 0.55 }, [], {
      reason: '<b>out of memory</b> & more',
      attempt: 3,
      attempts: 3,
    }),
    trial(5, 'queued', { lr: 0.0004, dims: [400, 100], dropout: 0.35 }, []),
  ];
  const sweep: SweepView = {
    id: 'sw_fixture',
    spec,
    state: 'completed',
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_360_000,
    queue: 'q',
    planned: 6,
    nextTrial: 6,
    bestTrial: 1,
    test: { ndcg100: 0.4123, recall20: 0.3811, recall50: 0.5122, users: 10_000 },
    trials: { queued: 1, running: 0, completed: 3, pruned: 1, failed: 1, cancelled: 0 },
    best: { trial: 1, metric: 'ndcg100', value: 0.4 },
    events: [
      { at: 1_700_000_100_000, action: 'extended', trials: 2 },
      { at: 1_700_000_200_000, action: 'cancelled' },
      { at: 1_700_000_300_000, action: 'resumed', requeued: 1 },
    ],
    ...(opts.baselines ? BASELINES : {}),
  };
  const q = (min: number) => ({
    min,
    p25: 8,
    median: 20,
    p75: 60,
    p90: 140,
    p99: 600,
    max: 3000,
    mean: 72.5,
  });
  return {
    sweep,
    trials,
    importance: opts.importance,
    dataset: {
      id: 'ml-20m',
      stats: {
        rawEvents: 20_000_263,
        binarized: 10_000_000,
        distinctEvents: 10_000_000,
        usersAfterFilter: 136_677,
        itemsAfterFilter: 20_108,
        eventsAfterFilter: 9_990_682,
        users: { train: 116_677, validation: 10_000, test: 10_000 },
        items: 20_108,
        events: 9_990_682,
        trainEvents: 8_500_000,
        density: 0.0036228,
        userActivity: q(5),
        itemPopularity: q(1),
        heldOutUsersWithoutHeldOut: { validation: 0, test: 2 },
        heldOutUsersDropped: { validation: 1, test: 0 },
        sourceFormat: 'movielens-csv',
      },
    },
  };
}

const compared = (meanA: number, meanB: number) => ({
  users: 9998,
  meanA,
  meanB,
  difference: meanA - meanB,
  ci: [meanA - meanB - 0.004, meanA - meanB + 0.004] as [number, number],
  pValue: 0.00002,
  zeros: 1200,
});

/** Baselines fitted at finalize (EASE above the best trial, as on small data sets) and the comparison. */
const BASELINES: Pick<SweepView, 'baselines' | 'split' | 'comparisons'> = {
  split: 'ab'.repeat(32),
  baselines: [
    {
      model: 'popularity',
      status: 'completed',
      validation: { ndcg100: 0.15, recall20: 0.12, recall50: 0.2 },
      test: { ndcg100: 0.16, recall20: 0.13, recall50: 0.21, users: 10_000 },
      seconds: 1,
    },
    {
      model: 'ease',
      status: 'completed',
      lambda: 500,
      grid: [
        { lambda: 100, validation: { ndcg100: 0.41, recall20: 0.38, recall50: 0.5 } },
        { lambda: 500, validation: { ndcg100: 0.43, recall20: 0.4, recall50: 0.52 } },
      ],
      validation: { ndcg100: 0.43, recall20: 0.4, recall50: 0.52 },
      test: { ndcg100: 0.4201, recall20: 0.3901, recall50: 0.5201, users: 10_000 },
      seconds: 60,
    },
  ],
  comparisons: (['popularity', 'ease'] as const).map((model, k) => ({
    against: { kind: 'baseline' as const, model },
    bootstrap: { resamples: 10_000, seed: 20180423, level: 0.95 },
    test: 'wilcoxon signed-rank, two-sided, Pratt zeros',
    metrics: {
      ndcg100: compared(0.4123, k ? 0.4201 : 0.16),
      recall20: compared(0.3811, k ? 0.3901 : 0.13),
      recall50: compared(0.5122, k ? 0.5201 : 0.21),
    },
  })),
};
