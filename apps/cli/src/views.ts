import { TRIAL_STATES } from '@vaecf/sweep';
/** Shapes of the API's answers that the CLI prints: defined once, in libs/orchestration (views.ts), over libs/store's records. */

export type {
  ComparisonView,
  DatasetView,
  ImportanceView,
  RecommendationsView,
  SubmittedSweepView,
  SweepPage,
  SweepView,
  TrialView,
} from '@vaecf/orchestration';

/** "1 running, 4 completed, 7 pruned": the states that have trials, in their order. */
export function countsLine(counts: Record<string, number>): string {
  const parts = TRIAL_STATES.filter((k) => (counts[k] ?? 0) > 0).map((k) => `${counts[k]} ${k}`);
  return parts.length ? parts.join(', ') : 'no trials yet';
}
