import { loadBestWeights, Recommender } from '@vaecf/cf';
import { submitSweep } from '@vaecf/orchestration';
import { parseSweepSpec } from '@vaecf/sweep';
import { describe, expect, it } from 'vitest';
import { useJobBed } from './job-bed';
import { testEngine } from './test-engines';

/**
 * A RecVAE sweep end to end: real Redis, a BullMQ worker in this process,
 * trials trained and checkpointed, the best promoted and serving.
 */
const bed = useJobBed('recvae', 'ds1', { users: 400, items: 150, seed: 4, heldoutUsers: 60 });

describe('a sweep with model: recvae', () => {
  it('trains its trials, ranks them, promotes the best and serves recommendations from it', async () => {
    const { store, artifacts } = bed;
    await bed.withJobLine(async ({ core }) => {
      const { id } = await submitSweep(
        parseSweepSpec({
          dataset: 'ds1',
          model: 'recvae',
          fixed: { dims: [24, 8], batchSize: 100, epochs: 2, encoderPasses: 2 },
          space: { klGamma: { type: 'choice', values: [0.001, 0.01] } },
          limits: { maxConcurrent: 1 },
        }),
        { store, controller: core.controller, checkDataset: async () => undefined },
      );
      bed.track(id);
      const sweep = await bed.sweepIn(id, ['completed', 'failed']);
      expect(sweep.error).toBeUndefined();
      expect(sweep.state).toBe('completed');
      const ranked = await store.leaderboard(id);
      expect(ranked).toHaveLength(2);
      expect(sweep.test?.ndcg100).toBeGreaterThan(0);
      const model = await loadBestWeights(artifacts.modelDir(id));
      expect(model.config).toMatchObject({ model: 'recvae', dims: [24, 8], encoderPasses: 2 });
      const rec = await Recommender.fromCheckpoint(artifacts.modelDir(id), await testEngine());
      const r = await rec.recommend([model.itemIds![0], model.itemIds![1]], 5);
      expect(r.items).toHaveLength(5);
      await rec.dispose();
    });
  });
});
