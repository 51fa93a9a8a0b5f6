import { FIRST_ATTEMPT } from '@vaecf/artifacts';
import type { TrialRecord } from '@vaecf/queue';

/**
 * The attempt whose checkpoint is the trial's current one: what a resume,
 * finalize and promotion read. Checkpoints are stored per attempt (a fencing
 * token that changes whenever the trial changes hands); every caller asks
 * here, so the record's field that names it is read in one place (no record:
 * the first attempt). Until
 * trials record one, every run writes under FIRST_ATTEMPT.
 */
export function checkpointAttemptOf(_trial: TrialRecord | undefined): number {
  return FIRST_ATTEMPT;
}
