import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactStoreFromEnv, type S3ArtifactStore } from '@vaecf/artifacts';
import { startWorker, until, type WorkerProcess } from '../apps/worker/test/processes';
import { apiCaller } from './support/api-call';
import { BUNDLED, startStack, type Stack } from './support/stack';
import { checkedFetch } from './support/openapi-check';

// Dataset preparation on a worker of "another machine": its own (empty) data root and cache, the
// artifacts in S3 (a real s3rver). The stack's own worker takes no dataset jobs (another queue), and
// the files registered are removed from the API's disk before the preparing worker starts: it can
// only have read them from the store.
let stack: Stack;
let preparer: WorkerProcess | undefined;
beforeAll(async () => {
  stack = await startStack({
    artifacts: 's3',
    workerEnv: { VAECF_DATASETS_QUEUE: `test-idle-${randomUUID()}` },
  });
});
afterAll(async () => {
  preparer?.kill9();
  await stack?.stop();
});

describe('raw sources in the artifact store', () => {
  it('datasets registered by path and by upload are prepared by a worker that sees neither file', async () => {
    const call = apiCaller(() => stack);
    const byPath = `rs-path-${randomUUID().slice(0, 8)}`;
    const uploaded = `rs-up-${randomUUID().slice(0, 8)}`;
    const opts = { format: 'movielens-csv', heldoutUsers: 150 };
    expect((await call('POST', '/datasets', { id: byPath, path: 'ratings.csv.gz', ...opts })).status).toBe(
      201,
    );
    const up = await checkedFetch(
      `${stack.base}/datasets/upload?id=${uploaded}&format=movielens-csv&heldoutUsers=150`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/octet-stream' },
        body: await readFile(BUNDLED),
      },
    );
    expect(up.status).toBe(201);
    const keys = await listKeys(stack);
    for (const id of [byPath, uploaded])
      expect(keys.filter((k) => k.includes(`sources/${id}/`) && k.endsWith('/source.json'))).toHaveLength(1);

    // Gone from the API's disk: only the store has them now.
    await rm(join(stack.dataRoot, 'ratings.csv.gz'));
    await rm(join(stack.dataRoot, 'uploads'), { recursive: true });
    const workerData = join(stack.root, 'worker-data');
    await mkdir(workerData);
    preparer = startWorker(`preparer-${randomUUID().slice(0, 6)}`, {
      ...stack.queues,
      ...stack.artifactsEnv,
      VAECF_DATA_ROOT: workerData,
      VAECF_CACHE_DIR: join(stack.root, 'cache-preparer'),
    });
    for (const id of [byPath, uploaded]) {
      const ready = await until(`dataset ${id}`, async () => {
        const d = (await call('GET', `/datasets/${id}`)).body;
        return ['ready', 'failed'].includes(d.state) ? d : null;
      });
      expect(ready).toMatchObject({ state: 'ready', stats: { items: expect.any(Number) } });
    }
    expect(await readdir(workerData)).toEqual([]);

    const sweep = await call('POST', '/sweeps', {
      dataset: uploaded,
      model: 'dae',
      fixed: { dims: [16], batchSize: 200, epochs: 1 },
      space: { lr: { type: 'choice', values: [0.001] } },
      scheduler: { type: 'none' },
    });
    expect(sweep.status).toBe(201);
    const done = await until('the sweep', async () => {
      const r = await call('GET', `/sweeps/${sweep.body.id}`);
      return ['completed', 'failed'].includes(r.body.state) ? r.body : null;
    });
    expect(done.state).toBe('completed');
    expect((await call('DELETE', `/sweeps/${sweep.body.id}`)).status).toBe(204);

    // Deleting a dataset removes its stored source (and only its own).
    expect((await call('DELETE', `/datasets/${uploaded}`)).status).toBe(204);
    const left = await listKeys(stack);
    expect(left.filter((k) => k.includes(`sources/${uploaded}/`))).toEqual([]);
    expect(left.some((k) => k.includes(`sources/${byPath}/`))).toBe(true);
    expect((await call('DELETE', `/datasets/${byPath}`)).status).toBe(204);
    expect((await listKeys(stack)).filter((k) => k.includes('sources/'))).toEqual([]);
  });

  // Last: it stops the S3 server for good.
  it('a source that cannot be stored is a 503 and leaves no record', async () => {
    const call = apiCaller(() => stack);
    const id = `rs-down-${randomUUID().slice(0, 8)}`;
    await copyFile(BUNDLED, join(stack.dataRoot, 'again.csv.gz'));
    await stack.s3!.stop();
    const r = await call('POST', '/datasets', { id, path: 'again.csv.gz', format: 'movielens-csv' });
    expect(r.status).toBe(503);
    expect(r.body.message).toMatch(/the artifact store \(s3 .*\) could not store the source/);
    expect((await call('GET', `/datasets/${id}`)).status).toBe(404);
  });
});

async function listKeys(s: Stack): Promise<string[]> {
  const env = { ...s.s3!.env(''), VAECF_CACHE_DIR: join(s.root, 'cache-test') };
  return (artifactStoreFromEnv(env) as S3ArtifactStore).io.list('');
}
