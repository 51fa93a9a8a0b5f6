import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CheckpointError,
  loadCheckpoint,
  MANIFEST_FILE,
  Trainer,
  type PreparedDataset,
  type TrialConfig,
} from '@vaecf/cf';

/** What happened to an unusable checkpoint: its error, and where it now lies. */
export interface DiscardedCheckpoint {
  readonly problem: string;
  /** Where the damaged checkpoint now lies; null when there was nothing left to keep. */
  readonly movedTo: string | null;
}

/**
 * The trainer of a trial: resumed from its checkpoint when there is one,
 * otherwise new. A checkpoint that fails verification (a corrupt or missing
 * array file, an unreadable manifest) would fail every retry the same way,
 * so it is moved aside to `<dir>.corrupt-<ms>` (kept for inspection) and the
 * trial starts again from epoch 0; training is deterministic for a seed, so
 * the results are those it would have had. A checkpoint gone altogether while
 * the trial has `epochsRecorded` epochs is reported the same way.
 * `onDiscard` runs before training.
 */
export async function openTrainer(
  dir: string,
  data: PreparedDataset,
  config: TrialConfig,
  epochsRecorded: number,
  onDiscard: (d: DiscardedCheckpoint) => Promise<void>,
): Promise<Trainer> {
  if (!existsSync(join(dir, MANIFEST_FILE))) {
    if (epochsRecorded > 0) {
      const problem = `checkpoint ${dir}: missing, though ${epochsRecorded} epochs are recorded`;
      await onDiscard({ problem, movedTo: null });
    }
    return Trainer.create(data, config);
  }
  try {
    return Trainer.resume(data, await loadCheckpoint(dir), { epochs: config.epochs });
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    const movedTo = `${dir}.corrupt-${Date.now()}`;
    await rename(dir, movedTo);
    await onDiscard({ problem: e.message, movedTo });
    return Trainer.create(data, config);
  }
}
