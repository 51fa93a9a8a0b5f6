import { randomUUID } from 'node:crypto';
import { SweepController, submitSweep, type TrialsQueue } from '@vaecf/orchestration';
import { RedisSweepStore } from '@vaecf/store';
import { parseSweepSpec } from '@vaecf/sweep';
import { createWorkerMetrics } from '@vaecf/telemetry';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPrivateRedis, type PrivateRedis } from '../../../test/support/redis-server';
import { refreshSweepGauges } from '../src/sweep-gauges';

/**
 * A sweep record this version cannot read (a newer version's spec, written
 * during a rolling upgrade) costs its own series only: the scrape goes on with
 * the other sweeps (it used to throw, and /metrics lost every refreshed gauge).
 */
let server: PrivateRedis;
beforeAll(async () => {
  server = await startPrivateRedis();
});
afterAll(() => server.dispose());

it('skips an unreadable sweep record and keeps the gauges of the others', async () => {
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const store = new RedisSweepStore(redis);
  const queue: TrialsQueue = new Queue(`test-${randomUUID()}`, { connection: redis });
  const { id } = await submitSweep(
    parseSweepSpec({ dataset: 'ds', model: 'dae', fixed: { dims: [16], epochs: 1 } }),
    { store, controller: new SweepController(redis, store, queue), checkDataset: async () => undefined },
  );
  // The newest record holds a spec key this version does not know.
  await redis.hset('vaecf:sweep:{sw_future}', {
    id: 'sw_future',
    spec: JSON.stringify({ dataset: 'ds', model: 'dae', fromTheFuture: true }),
    state: 'running',
  });
  await redis.zadd('vaecf:sweeps', Date.now() + 1000, 'sw_future');
  const metrics = createWorkerMetrics({ worker: 'w', backend: 'cpu' });
  await refreshSweepGauges(store, metrics);
  const text = await metrics.registry.metrics();
  expect(text).toContain(`vaecf_sweep_trials{sweep="${id}",state="queued"} 1`);
  expect(text).not.toContain('sw_future');
  await queue.close();
  await redis.quit();
});
