import type { EvalResult } from '../eval/evaluate';
import type { ModelState } from '../model/network';

// The trainer's reports, in a module of their own: the checkpoint format (checkpoint.ts) stores
// them and the trainer (trainer.ts) makes them, and neither should import the other back.

/** What one epoch produced; the unit a worker reports and a scheduler judges. */
export interface EpochReport {
  /** 1-based number of the epoch just finished. */
  readonly epoch: number;
  /** Means over the epoch's minibatches. */
  readonly loss: number;
  readonly nll: number;
  readonly kl: number;
  /** KL weight of the epoch's last minibatch. */
  readonly beta: number;
  /** Adam updates so far (across epochs and resumes). */
  readonly steps: number;
  readonly trainSeconds: number;
  readonly evalSeconds: number;
  readonly usersPerSecond: number;
  readonly validation: EvalResult;
  /** Whether this epoch set a new best of the validation metric `selectBy` (NDCG@100 by default). */
  readonly improved: boolean;
}

/** The best-by-validation weights so far, with the epoch and evaluation that made them best. */
export interface BestSnapshot {
  readonly epoch: number;
  readonly validation: EvalResult;
  readonly weights: ModelState;
}
