import { submitSweep } from '@vaecf/orchestration';
import { parseSweepSpec } from '@vaecf/sweep';
import { createWorkerMetrics } from '@vaecf/telemetry';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openCoreBed } from '../../../test/support/core-bed';
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
  const bed = openCoreBed({ url: server.url });
  const { redis, store, controller } = bed;
  const { id } = await submitSweep(
    parseSweepSpec({ dataset: 'ds', model: 'dae', fixed: { dims: [16], epochs: 1 } }),
    { store, controller, checkDataset: async () => undefined },
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
  await bed.close();
});
