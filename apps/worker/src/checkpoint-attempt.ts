import { FIRST_ATTEMPT } from '@vaecf/artifacts';
import type { TrialRecord } from '@vaecf/store';

/**
 * The attempt whose checkpoint is the trial's current one: what a resume,
 * finalize and promotion read. Checkpoints are stored per attempt (a fencing
 * token that changes whenever the trial changes hands); every caller asks
 * here, so the record's field that names it is read in one place. It is the
 * record's checkpoint pointer, moved by the same fenced script that records
 * the epoch (libs/store scripts.ts RECORD_EPOCH); a record without one (none
 * committed yet, or stored before fencing) names the first attempt.
 */
export function checkpointAttemptOf(trial: TrialRecord | undefined): number {
  return trial?.checkpoint?.attempt ?? FIRST_ATTEMPT;
}
