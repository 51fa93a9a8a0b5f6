import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../apps/worker/test/processes';
import { artifactStoreFromEnv, type S3ArtifactStore } from '@vaecf/artifacts';
import { apiCaller } from './support/api-call';
import { readyBundled, startStack, type Stack } from './support/stack';
import { checkedFetch } from './support/openapi-check';

// The API and a worker with their artifacts in object storage (a real s3rver on loopback) and no
// directory in common: each has its own cache, so every artifact crosses the S3 protocol.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ artifacts: 's3' });
});
afterAll(() => stack?.stop());

describe('a sweep with its artifacts in S3', () => {
  it('prepares, trains, promotes and serves the model through the bucket', async () => {
    const call = apiCaller(() => stack);
    const ds = `s3-${randomUUID().slice(0, 8)}`;
    await readyBundled(stack, ds, { heldoutUsers: 150 });
    const sweep = await call('POST', '/sweeps', {
      dataset: ds,
      model: 'vae',
      fixed: { dims: [32, 8], batchSize: 200, epochs: 2, totalAnnealSteps: 20 },
      space: { lr: { type: 'choice', values: [0.001, 0.003] } },
      scheduler: { type: 'none' },
    });
    expect(sweep.status).toBe(201);
    const id = sweep.body.id as string;
    const done = await until('the sweep', async () => {
      const r = await call('GET', `/sweeps/${id}`);
      return ['completed', 'failed'].includes(r.body.state) ? r.body : null;
    });
    expect(done.state).toBe('completed');
    expect(done.test.ndcg100).toBeGreaterThan(0);

    const download = await checkedFetch(`${stack.base}/sweeps/${id}/model`, {
      headers: { authorization: `Bearer ${stack.token}` },
    });
    expect(download.status).toBe(200);
    expect(gunzipSync(Buffer.from(await download.arrayBuffer())).toString('latin1')).toContain(
      'checkpoint.json',
    );
    const rec = await call('POST', `/sweeps/${id}/recommendations`, { items: ['1', '2', '3'], k: 5 });
    expect(rec.status).toBe(200);
    expect(rec.body.items).toHaveLength(5);

    // Nothing went through a shared directory: the bucket holds the model, the worker's cache the
    // dataset it fetched, the API's cache the model it served.
    expect(existsSync(join(stack.root, 'artifacts'))).toBe(false);
    const keys = await listKeys(stack);
    expect(keys.some((k) => k.endsWith(`sweeps/${id}/model.json`))).toBe(true);
    expect(keys.some((k) => k.endsWith(`datasets/${ds}/current.json`))).toBe(true);
    expect(existsSync(join(stack.root, 'cache-worker', 'entries'))).toBe(true);
    expect(existsSync(join(stack.root, 'cache-api', 'entries'))).toBe(true);

    expect((await call('DELETE', `/sweeps/${id}`)).status).toBe(204);
    expect((await call('DELETE', `/datasets/${ds}`)).status).toBe(204);
    const left = await listKeys(stack);
    expect(left.filter((k) => k.includes(`sweeps/${id}/`) || k.includes(`datasets/${ds}/`))).toEqual([]);
  });
});

async function listKeys(s: Stack): Promise<string[]> {
  const env = { ...s.s3!.env(''), VAECF_CACHE_DIR: join(s.root, 'cache-test') };
  return (artifactStoreFromEnv(env) as S3ArtifactStore).io.list('');
}
