import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPrivateRedis, type PrivateRedis } from '../../../test/support/redis-server';
import { runCli } from './run-cli';

/**
 * `npm run demo` with REDIS_URL runs on the user's Redis: at the end it has
 * removed all it put there (its sweep and dataset through the API, its
 * queues), so the Redis holds what it held before, and it says so. A private
 * redis-server stands in for the user's, holding a key of "theirs".
 */
let redis: PrivateRedis;
let dir: string;
beforeAll(async () => {
  redis = await startPrivateRedis();
  dir = await mkdtemp(join(tmpdir(), 'vaecf-demo-redis-'));
});
afterAll(async () => {
  await redis.dispose();
  await rm(dir, { recursive: true, force: true });
});

it("leaves the user's Redis as it found it", async () => {
  redis.cli('set', 'users:own-key', 'kept');
  const spec = join(dir, 'tiny.yaml');
  await writeFile(
    spec,
    'name: tiny\ndataset: replaced-by-the-demo\nmodel: dae\nfixed: { dims: [32], batchSize: 200, epochs: 2 }\n' +
      'space: { lr: { type: choice, values: [0.001, 0.003] } }\nlimits: { maxConcurrent: 2 }\n',
  );
  const r = await runCli(['demo', '--spec', spec, '--work', join(dir, 'work'), '--json'], {
    REDIS_URL: redis.url,
  });
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.sweep.state).toBe('completed');
  expect(out.removedFromRedis).toEqual(['sweep', 'dataset', 'queues']);
  expect(out.warnings).toEqual([]);
  expect(redis.cli('--raw', 'keys', '*').trim().split('\n')).toEqual(['users:own-key']);
}, 240_000);
