import { readDatasetArtifact, resolveTrialConfig, saveCheckpoint, Trainer } from '@vaecf/cf';
import { jobIds } from '@vaecf/orchestration';
import { parseSweepSpec } from '@vaecf/sweep';
import { describe, expect, it } from 'vitest';
import { useJobBed } from './job-bed';
import { until } from './processes';
import { testEngine } from './test-engines';

/**
 * The trial runner meeting a checkpoint trained with other hyperparameters
 * than the trial's record (a record edited, a checkpoint from elsewhere):
 * the trial fails with the differences named, rather than resuming
 * silently under the checkpoint's values. Real Redis, a real checkpoint, the
 * worker's job handler on a BullMQ worker in this process.
 */
const bed = useJobBed('resume-config', 'ds', { users: 300, items: 120, seed: 7, heldoutUsers: 40 });

describe('resuming a trial', () => {
  it("fails the trial, naming the differences, when its checkpoint's hyperparameters disagree with its record", async () => {
    const fixed = { dims: [32, 8], batchSize: 50, totalAnnealSteps: 20, epochs: 3, lr: 0.01 };
    const spec = parseSweepSpec({ dataset: 'ds', model: 'vae', fixed });
    const { store, artifacts } = bed;
    const { id } = await store.createSweep(spec, 1);
    bed.track(id);
    await store.claimTrialNumber(id);
    await store.createTrial(id, 0, { model: 'vae', selectBy: 'ndcg100', ...fixed });

    // Attempt 1 trained an epoch with another learning rate, and committed it as the trial's checkpoint.
    const a = (await store.claimTrialAttempt(id, 0, 'A'))!;
    const data = await readDatasetArtifact(artifacts.datasetDir('ds'));
    const trainer = await Trainer.create(
      data,
      resolveTrialConfig({ model: 'vae', ...fixed, lr: 0.001 }),
      await testEngine(),
    );
    const report = await trainer.runEpoch();
    await saveCheckpoint(artifacts.checkpointWorkDir(id, 0, a.attempt), await trainer.checkpoint(), {
      itemIds: data.itemIds,
    });
    await trainer.dispose();
    await artifacts.commitCheckpoint(id, 0, a.attempt);
    await store.recordEpoch(a, report.epoch, report, report.validation.ndcg100, true);

    await bed.withJobLine(
      async ({ core }) => {
        await core.trialsQueue.add('trial', { sweepId: id, trialNo: 0 }, { jobId: jobIds.trial(id, 0) });
        const failed = await until('the trial to end', async () => {
          const t = await store.getTrial(id, 0);
          return t && t.state !== 'queued' && t.state !== 'running' ? t : null;
        });
        expect(failed.state).toBe('failed');
        expect(failed.reason).toBe(
          `checkpoint ${id}/trials/0/1 was trained with other hyperparameters than the trial's record ` +
            '(lr: checkpoint 0.001, record 0.01): refusing to resume it',
        );
        expect(failed.epochs).toBe(1); // nothing trained under the wrong hyperparameters
      },
      { workerId: 'B' },
    );
  });
});
