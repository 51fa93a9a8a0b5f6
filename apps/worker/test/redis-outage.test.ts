import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { submitSweep } from '@vaecf/orchestration';
import { parseSweepSpec } from '@vaecf/sweep';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openCoreBed } from '../../../test/support/core-bed';
import { startPrivateRedis, type PrivateRedis } from '../../../test/support/redis-server';
import { testHold } from './hold';
import { startWorker, until, type WorkerProcess } from './processes';
import { syntheticArtifacts } from './synthetic-artifacts';

/**
 * A Redis outage is logged once by each worker when it starts (with the
 * back-off) and once when it ends, however long it lasts and however many
 * connections the worker and its trial processes retry on: counted over two
 * outages of a private redis-server, with a trial held open in a trial
 * process throughout (WORKER_TEST_HOLD), so its connections are in it too.
 */
let redisServer: PrivateRedis;
let root: string;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  redisServer = await startPrivateRedis({ appendOnly: true });
  ({ root } = await syntheticArtifacts('outage', 'ds', {
    users: 600,
    items: 300,
    seed: 3,
    heldoutUsers: 50,
  }));
});
afterAll(async () => {
  worker?.kill9();
  await redisServer.dispose();
  await rm(root, { recursive: true, force: true });
});

const OUTAGE =
  /Redis at 127\.0\.0\.1:\d+ unreachable \(connect ECONNREFUSED [^)]*\); reconnecting with back-off/g;
const BACK = /Redis at 127\.0\.0\.1:\d+ reachable again after [\d.]+ s \(\d+ connection errors meanwhile\)/g;
const count = (text: string, re: RegExp) => text.match(re)?.length ?? 0;

it('each outage: one line when Redis goes, one when it is back, no ECONNREFUSED line besides', async () => {
  const bed = openCoreBed({ url: redisServer.url });
  const { redis, store, controller } = bed;
  redis.on('error', () => undefined); // this test's own connection lives through the outages too
  const hold = testHold(redis);
  const sweepName = `outage-${randomUUID()}`;
  await hold.holdAfter(sweepName, 1);
  worker = startWorker('outage', {
    ...hold.env,
    REDIS_URL: redisServer.url,
    VAECF_ARTIFACTS_DIR: root,
    ...bed.config,
  });
  const { id } = await submitSweep(
    parseSweepSpec({
      name: sweepName,
      dataset: 'ds',
      model: 'dae',
      fixed: { dims: [32], batchSize: 100, epochs: 3 },
      space: { lr: { type: 'choice', values: [1e-3] } },
    }),
    { store, controller, checkDataset: async () => undefined },
  );
  await hold.waiting(id, 0); // a trial process is busy, its connections open

  for (let outage = 1; outage <= 2; outage++) {
    await redisServer.stop();
    await until(`outage ${outage} to be logged`, async () => count(worker!.output(), OUTAGE) === outage);
    await redisServer.start();
    await until(
      `the end of outage ${outage} to be logged`,
      async () => count(worker!.output(), BACK) === outage,
    );
  }
  await hold.release(sweepName);
  await until(
    'the sweep to complete',
    async () => (await store.getSweep(id))?.state === 'completed',
    120_000,
  );

  const out = worker.output();
  expect(count(out, OUTAGE)).toBe(2);
  expect(count(out, BACK)).toBe(2);
  const refused = out.split('\n').filter((l) => l.includes('ECONNREFUSED'));
  expect(refused).toHaveLength(2); // the two outage lines, nothing else (no per-try line, no ioredis print)
  expect(out).not.toMatch(/Unhandled error event/);
  await hold.dispose();
  await bed.close();
}, 240_000);
