import { TRIAL_STATES } from '@vaecf/sweep';
/** Shapes of the API's answers that the CLI prints: defined once, in libs/queue, beside the records. */

export type { SweepView, TrialView } from '@vaecf/queue';

/** "0 queued, 1 running, ..." */
export function countsLine(counts: Record<string, number>): string {
  return TRIAL_STATES.map((k) => `${counts[k] ?? 0} ${k}`).join(', ');
}
