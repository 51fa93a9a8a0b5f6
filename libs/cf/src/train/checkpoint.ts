import type { TrialConfig } from '../model/config';
import type { ModelState } from '../model/network';
import type { RngState } from '../runtime/rng';
import type { BestSnapshot, EpochReport } from './reports';

export const CHECKPOINT_FORMAT_VERSION = 1;

/**
 * Everything needed to continue a run exactly where it stopped (between two
 * epochs): weights and Adam moments with the update counter (which is also
 * the KL-annealing step), the rng, the best-by-validation snapshot and the
 * per-epoch history. Resuming from it gives the same metrics as never having
 * stopped, on the same backend.
 */
export interface TrainerCheckpoint {
  readonly formatVersion: number;
  readonly config: TrialConfig;
  readonly nItems: number;
  /** Epochs completed. */
  readonly epoch: number;
  readonly rng: RngState;
  readonly model: ModelState;
  readonly best: BestSnapshot | null;
  readonly history: readonly EpochReport[];
}
