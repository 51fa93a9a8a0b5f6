import { randomUUID } from 'node:crypto';
import { RedisSweepStore, type SweepStore } from '@vaecf/store';
import { parseSweepSpec } from '@vaecf/sweep';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SweepController, type TrialsQueue } from '../src/controller';
import { connect } from './redis';

let redis: Redis;
let store: SweepStore;
const created: string[] = [];

beforeAll(() => {
  redis = connect();
  store = new RedisSweepStore(redis);
});
afterAll(async () => {
  for (const id of created) await store.deleteSweep(id);
  await redis.quit();
});

describe('SweepController.reconcile', () => {
  it('starts a sweep whose submitter died between storing it and enqueueing its trials', async () => {
    const queue: TrialsQueue = new Queue(`test-${randomUUID()}`, { connection: redis });
    try {
      const stuck = await store.createSweep(
        parseSweepSpec({
          dataset: 'ds',
          model: 'vae',
          space: { lr: { type: 'choice', values: [0.1, 0.2, 0.3] } },
        }),
        3,
        undefined,
        queue.name,
      );
      created.push(stuck.id);
      expect(await store.listTrials(stuck.id)).toEqual([]);
      await new SweepController(redis, store, queue).reconcile();
      expect((await store.listTrials(stuck.id)).map((t) => [t.no, t.params.lr, t.state])).toEqual([
        [0, 0.1, 'queued'],
        [1, 0.2, 'queued'],
        [2, 0.3, 'queued'],
      ]);
      expect((await queue.getJobCounts('waiting')).waiting).toBe(3);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
