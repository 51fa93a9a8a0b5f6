import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetStore } from '../src/dataset-store';
import { connect } from './redis';

let redis: Redis;
let store: DatasetStore;
const ids: string[] = [];

beforeAll(() => {
  redis = connect();
  store = new DatasetStore(redis);
});
afterAll(async () => {
  for (const id of ids) await store.delete(id);
  await redis.quit();
});

function newId(): string {
  const id = `ds-${randomUUID().slice(0, 8)}`;
  ids.push(id);
  return id;
}

describe('DatasetStore on a real Redis', () => {
  it("stores a failure reason naming the user's file, escaped and bounded", async () => {
    const id = newId();
    const stored = `/data/uploads/${id}-0123456789ab.upload`;
    const { generation } = (await store.create(id, stored, {}, 'my ratings.csv'))!;
    const garbage = '\u001b]0;owned\u0007'.repeat(200);
    await store.setState(id, generation, 'failed', {
      error: `/art/sources/${id}/1/files/${id}-0123456789ab.upload:1: rating "${garbage}" is not a number`,
    });
    const record = await store.get(id);
    expect(record?.sourceName).toBe('my ratings.csv');
    expect(record?.error).toMatch(/^my ratings\.csv:1: rating "\\x1b\]0;owned\\x07/);
    // eslint-disable-next-line no-control-regex -- no raw control character may be left
    expect(record?.error).not.toMatch(/[\u0000-\u001f]/);
    expect(record?.error?.length).toBeLessThan(600);
  });

  it('gives every registration a new generation, and a preparation job id of its own', async () => {
    const id = newId();
    const first = await store.create(id, '/data/a.csv', { format: 'movielens-csv' });
    expect(first).toEqual({ generation: expect.any(Number) });
    expect(await store.create(id, '/data/b.csv', { format: 'movielens-csv' })).toBeNull();
    await store.delete(id);
    const second = await store.create(id, '/data/b.csv', { format: 'movielens-csv' });
    // A new generation, and so a preparation job of its own (libs/orchestration jobIds.prepare carries it).
    expect(second!.generation).toBeGreaterThan(first!.generation);
    expect(await store.get(id)).toMatchObject({
      state: 'queued',
      generation: second!.generation,
      source: '/data/b.csv',
    });
  });

  it('never writes a state for a deleted or replaced registration', async () => {
    const id = newId();
    const { generation } = (await store.create(id, '/data/a.csv', {}))!;
    expect(await store.setState(id, generation, 'preparing')).toBe(true);
    await store.delete(id);
    // A preparation ending after the DELETE: nothing is resurrected.
    expect(await store.setState(id, generation, 'ready', { stats: { users: 1 } })).toBe(false);
    expect(await redis.exists(`vaecf:dataset:${id}`)).toBe(0);
    expect(await store.get(id)).toBeNull();
    // Registered again meanwhile: the old preparation cannot touch the new record.
    const again = (await store.create(id, '/data/a.csv', {}))!;
    expect(await store.setState(id, generation, 'failed', { error: 'old' })).toBe(false);
    expect(await store.get(id)).toMatchObject({ state: 'queued', generation: again.generation });
    expect(await store.get(id).then((d) => d?.error)).toBeUndefined();
    expect(await store.isCurrent(id, again.generation)).toBe(true);
    expect(await store.isCurrent(id, generation)).toBe(false);
  });

  it('replaces a failed registration, naming the source it replaced; other states are kept', async () => {
    const id = newId();
    const { generation } = (await store.create(id, '/data/bad.csv', {}))!;
    await store.setState(id, generation, 'failed', { error: 'bad line 3' });
    const replaced = await store.create(id, '/data/fixed.csv', {});
    expect(replaced).toEqual({ generation: expect.any(Number), replacedSource: '/data/bad.csv' });
    const d = await store.get(id);
    expect(d).toMatchObject({ state: 'queued', source: '/data/fixed.csv', generation: replaced!.generation });
    expect(d?.error).toBeUndefined();
    await store.setState(id, replaced!.generation, 'preparing');
    expect(await store.create(id, '/data/other.csv', {})).toBeNull();
  });

  it('undoes one registration only (deleteGeneration)', async () => {
    const id = newId();
    const { generation } = (await store.create(id, '/data/a.csv', {}))!;
    expect(await store.deleteGeneration(id, generation + 1)).toBe(false);
    expect(await store.deleteGeneration(id, generation)).toBe(true);
    expect(await store.get(id)).toBeNull();
    expect(await store.list(10_000)).not.toContain(id);
  });
});
