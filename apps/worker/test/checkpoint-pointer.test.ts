import type { Engine } from '@vaecf/engine';
import {
  CheckpointConfigMismatchError,
  readDatasetArtifact,
  resolveTrialConfig,
  saveCheckpoint,
  Trainer,
  type PreparedDataset,
  type TrialConfig,
} from '@vaecf/cf';
import { FencedWriteError, type TrialFence } from '@vaecf/store';
import { parseSweepSpec } from '@vaecf/sweep';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCoreBed } from '../../../test/support/core-bed';
import { checkpointAttemptOf } from '../src/checkpoint-attempt';
import { openTrainer, type DiscardedCheckpoint } from '../src/checkpoint-recovery';
import { testEngine } from './test-engines';

/**
 * Which checkpoint a resume reads once a trial has changed hands: real
 * trainers, real checkpoint files in a filesystem store, a real Redis. The
 * steps of the trial runner (save, commit, fenced recordEpoch) are taken by
 * hand, so that the stale writer can be made to go on after the takeover.
 */
const config = resolveTrialConfig({
  model: 'vae',
  dims: [32, 8],
  batchSize: 50,
  totalAnnealSteps: 20,
  epochs: 4,
});

const bed = useCoreBed({
  dataset: { name: 'pointer', id: 'ds', ratings: { users: 300, items: 120, seed: 7, heldoutUsers: 40 } },
});
let data: PreparedDataset;
let engine: Engine;

beforeAll(async () => {
  engine = await testEngine();
  data = await readDatasetArtifact(bed.artifacts.datasetDir('ds'));
});

/** One epoch as the trial runner takes it: train, save and commit under the attempt, then the fenced record. */
async function epoch(trainer: Trainer, fence: TrialFence): Promise<void> {
  const report = await trainer.runEpoch();
  await saveCheckpoint(
    bed.artifacts.checkpointWorkDir(fence.sweepId, fence.trialNo, fence.attempt),
    await trainer.checkpoint(),
    { itemIds: data.itemIds },
  );
  await bed.artifacts.commitCheckpoint(fence.sweepId, fence.trialNo, fence.attempt);
  await bed.store.recordEpoch(fence, report.epoch, report, report.validation.ndcg100, true);
}

/** What a worker resuming the trial now opens (as trial-runner.ts does). */
async function resume(
  sweepId: string,
  discarded: DiscardedCheckpoint[] = [],
  record: TrialConfig = config,
): Promise<Trainer> {
  const trial = (await bed.store.getTrial(sweepId, 0))!;
  const from = trial.checkpoint ? { sweepId, trialNo: 0, attempt: checkpointAttemptOf(trial) } : null;
  return openTrainer(
    bed.artifacts,
    from,
    data,
    record,
    trial.checkpoint?.epoch ?? trial.epochs,
    async (d) => {
      discarded.push(d);
    },
    engine,
  );
}

describe('the checkpoint a resume reads, after a takeover', () => {
  it("is the newer owner's, though the stale writer committed more epochs under its own attempt", async () => {
    const { id } = await bed.store.createSweep(parseSweepSpec({ dataset: 'ds', model: 'vae' }), 1);
    bed.track(id);
    await bed.store.createTrial(id, 0, { model: 'vae' });
    const a = (await bed.store.claimTrialAttempt(id, 0, 'A'))!;
    const trainerA = await Trainer.create(data, config, engine);
    await epoch(trainerA, a);

    // B takes over and resumes from A's epoch 1, then trains epoch 2 under its own attempt.
    const b = (await bed.store.claimTrialAttempt(id, 0, 'B'))!;
    const trainerB = await resume(id);
    expect(trainerB.epochsDone).toBe(1);
    await epoch(trainerB, b);

    // A goes on regardless: its files land under attempt 1, its records are refused.
    await expect(epoch(trainerA, a)).rejects.toBeInstanceOf(FencedWriteError);
    await expect(epoch(trainerA, a)).rejects.toBeInstanceOf(FencedWriteError);
    expect((await bed.store.getTrial(id, 0))!.checkpoint).toEqual({ attempt: 2, epoch: 2 });

    // A third worker resumes from B's checkpoint (B's epoch 2 exactly), not from A's epoch 3.
    await bed.store.claimTrialAttempt(id, 0, 'C');
    const trainerC = await resume(id);
    expect(trainerC.epochsDone).toBe(2);
    expect(trainerC.history).toEqual(trainerB.history);
    for (const t of [trainerA, trainerB, trainerC]) await t.dispose();
  });

  it('is none when the attempt it points at holds another epoch than its record: the trial restarts', async () => {
    const { id } = await bed.store.createSweep(parseSweepSpec({ dataset: 'ds', model: 'vae' }), 1);
    bed.track(id);
    await bed.store.createTrial(id, 0, { model: 'vae' });
    const a = (await bed.store.claimTrialAttempt(id, 0, 'A'))!;
    const trainerA = await Trainer.create(data, config, engine);
    await epoch(trainerA, a);
    // A commits epoch 2 but its record never lands (it lost the trial, or died in between).
    await bed.store.claimTrialAttempt(id, 0, 'B');
    await expect(epoch(trainerA, a)).rejects.toBeInstanceOf(FencedWriteError);
    const discarded: DiscardedCheckpoint[] = [];
    const trainerB = await resume(id, discarded);
    expect(trainerB.epochsDone).toBe(0);
    expect(discarded).toEqual([
      {
        problem:
          `checkpoint ${id}/trials/0/1: holds 2 epochs but the trial's record points at epoch 1 of that ` +
          'attempt (committed by a writer whose record never landed)',
        movedTo: null,
      },
    ]);
    for (const t of [trainerA, trainerB]) await t.dispose();
  });
});

describe('a resume whose checkpoint disagrees with the trial record', () => {
  it('is refused, naming each hyperparameter that differs; epochs and the evaluation batch may differ', async () => {
    const { id } = await bed.store.createSweep(parseSweepSpec({ dataset: 'ds', model: 'vae' }), 1);
    bed.track(id);
    await bed.store.createTrial(id, 0, { model: 'vae' });
    const a = (await bed.store.claimTrialAttempt(id, 0, 'A'))!;
    const trainerA = await Trainer.create(data, config, engine);
    await epoch(trainerA, a);
    await trainerA.dispose();

    await bed.store.claimTrialAttempt(id, 0, 'B');
    const other = { ...config, lr: config.lr * 10, dims: [16, 8] };
    const refused = await resume(id, [], other).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CheckpointConfigMismatchError);
    expect((refused as Error).message).toBe(
      `checkpoint ${id}/trials/0/1 was trained with other hyperparameters than the trial's record ` +
        `(dims: checkpoint [32,8], record [16,8]; lr: checkpoint ${config.lr}, record ${config.lr * 10}): refusing to resume it`,
    );
    // Nothing was discarded: the checkpoint is still there for a resume with the right record.
    expect((await bed.store.getTrial(id, 0))!.checkpoint).toEqual({ attempt: 1, epoch: 1 });

    const longer = await resume(id, [], { ...config, epochs: 9, evalBatchSize: 7 });
    expect(longer.epochsDone).toBe(1);
    expect(longer.config.epochs).toBe(9);
    await longer.dispose();
  });
});
