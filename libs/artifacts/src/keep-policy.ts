/**
 * Which trial checkpoints to keep. While a sweep runs: every running trial's
 * (it resumes from it) and every finished trial's best weights, or only the
 * top `keepFinished` finished trials by their best value. Once the sweep has
 * ended and its model is promoted: none, or the top `keepAfterEnd`.
 */
export interface KeepPolicy {
  /** Finished trials whose checkpoints survive while the sweep runs (default: all). */
  readonly keepFinished?: number;
  /** Trial checkpoints kept after the sweep ends, best first (default 0: the promoted model is enough). */
  readonly keepAfterEnd?: number;
}

export interface TrialForKeep {
  readonly trialNo: number;
  readonly running: boolean;
  /** Best validation value, undefined if none yet. */
  readonly best?: number;
}

export function checkpointsToDelete(
  trials: readonly TrialForKeep[],
  sweepEnded: boolean,
  policy: KeepPolicy = {},
): number[] {
  const finished = trials
    .filter((t) => !t.running)
    .sort((a, b) => (b.best ?? -Infinity) - (a.best ?? -Infinity));
  const keep = sweepEnded ? (policy.keepAfterEnd ?? 0) : (policy.keepFinished ?? Infinity);
  const running = sweepEnded ? trials.filter((t) => t.running) : [];
  return [...finished.slice(keep), ...running].map((t) => t.trialNo).sort((a, b) => a - b);
}
