import type { ArtifactStore } from '@vaecf/artifacts';
import {
  CheckpointConfigMismatchError,
  CheckpointError,
  configDifferences,
  loadCheckpoint,
  Trainer,
  type PreparedDataset,
  type TrialConfig,
} from '@vaecf/cf';
import type { Engine } from '@vaecf/engine';

/** What happened to an unusable checkpoint: its error, and where it now lies. */
export interface DiscardedCheckpoint {
  readonly problem: string;
  /** Where the damaged checkpoint now lies; null when there was nothing left to keep. */
  readonly movedTo: string | null;
}

/** One attempt's checkpoint of a trial in the artifact store. */
export interface CheckpointRef {
  readonly sweepId: string;
  readonly trialNo: number;
  readonly attempt: number;
}

/**
 * The trainer of a trial: resumed from the checkpoint of attempt `from.attempt`
 * when there is one, otherwise new. A checkpoint that fails verification (a
 * corrupt or missing array file, an unreadable manifest) would fail every
 * retry the same way, so the store discards it (moved aside for inspection
 * where it can be) and the trial starts again from epoch 0; training is
 * deterministic for a seed, so the results are those it would have had. A
 * checkpoint gone altogether while the trial has `epochsRecorded` epochs is
 * reported the same way, and so is one that holds another number of epochs
 * than its record (`epochsRecorded`, the pointer's epoch): its files were
 * committed by a writer whose record never landed (refused as stale, or
 * crashed in between), so they are not the trial's, though they verify
 * (they stay where they are: the new attempt's first commit deletes them).
 * With `from` null (no checkpoint recorded) nothing is read. `onDiscard`
 * runs before training. The trainer computes on `engine`. A checkpoint that
 * verifies but was trained with other hyperparameters than `config` (the
 * trial's record) is refused with CheckpointConfigMismatchError rather
 * than resumed under the checkpoint's values; the epochs, the evaluation
 * batch, the engine and the thread count may differ.
 */
export async function openTrainer(
  artifacts: ArtifactStore,
  from: CheckpointRef | null,
  data: PreparedDataset,
  config: TrialConfig,
  epochsRecorded: number,
  onDiscard: (d: DiscardedCheckpoint) => Promise<void>,
  engine: Engine,
): Promise<Trainer> {
  if (!from) return Trainer.create(data, config, engine);
  const { sweepId, trialNo, attempt } = from;
  try {
    const local = await artifacts.openCheckpoint(sweepId, trialNo, attempt);
    if (!local) {
      if (epochsRecorded > 0) {
        const where = `${sweepId}/trials/${trialNo}/${attempt}`;
        const problem = `checkpoint ${where}: missing, though ${epochsRecorded} epochs are recorded`;
        await onDiscard({ problem, movedTo: null });
      }
      return Trainer.create(data, config, engine);
    }
    let trainer: Trainer;
    try {
      const ckpt = await loadCheckpoint(local.dir);
      const differences = configDifferences(ckpt.config, config);
      if (differences.length)
        throw new CheckpointConfigMismatchError(`${sweepId}/trials/${trialNo}/${attempt}`, differences);
      trainer = await Trainer.resume(data, ckpt, engine, { epochs: config.epochs });
    } finally {
      local.release();
    }
    const held = trainer.epochsDone;
    if (held === epochsRecorded) return trainer;
    await trainer.dispose();
    const where = `${sweepId}/trials/${trialNo}/${attempt}`;
    const problem =
      `checkpoint ${where}: holds ${held} epochs but the trial's record points at epoch ` +
      `${epochsRecorded} of that attempt (committed by a writer whose record never landed)`;
    await onDiscard({ problem, movedTo: null });
    return Trainer.create(data, config, engine);
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    const movedTo = await artifacts.discardCheckpoint(sweepId, trialNo, attempt);
    await onDiscard({ problem: e.message, movedTo });
    return Trainer.create(data, config, engine);
  }
}
