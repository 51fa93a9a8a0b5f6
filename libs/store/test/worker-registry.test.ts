import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { keys, WORKER_TTL_SECONDS, WorkerRegistry } from '../src';
import { connect } from './redis';

const redis = connect();
afterAll(async () => {
  await redis.quit();
});

const entry = (id: string) => ({ id, metrics: '127.0.0.1:9464', backend: 'wasm', pid: 1, startedAt: 0 });

describe('the registry of live workers (vaecf:workers), on a real Redis', () => {
  it('lists a worker after its heartbeat and forgets it when it leaves', async () => {
    const id = `test-${randomUUID()}`;
    const registry = new WorkerRegistry(redis);
    await registry.heartbeat(entry(id));
    const mine = (await registry.live()).find((e) => e.id === id);
    expect(mine).toMatchObject(entry(id));
    expect(mine!.expiresAt).toBeGreaterThan(Date.now());
    expect(await redis.ttl(keys.workers)).toBeGreaterThan(0);
    await registry.remove(id);
    expect((await registry.live()).some((e) => e.id === id)).toBe(false);
  });

  it('drops an entry whose heartbeat is older than the TTL (its worker died)', async () => {
    const id = `test-${randomUUID()}`;
    // A heartbeat that happened TTL + 1 s ago.
    await new WorkerRegistry(redis, () => Date.now() - (WORKER_TTL_SECONDS + 1) * 1000).heartbeat(entry(id));
    expect(await redis.hexists(keys.workers, id)).toBe(1);
    expect((await new WorkerRegistry(redis).live()).some((e) => e.id === id)).toBe(false);
    expect(await redis.hexists(keys.workers, id)).toBe(0);
  });
});
