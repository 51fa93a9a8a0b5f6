import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../libs/store/test/redis';
import { until } from '../apps/worker/test/processes';
import { runCli } from '../apps/cli/test/run-cli';
import { DatasetMirror, movielens100kZip } from './support/dataset-mirror';
import { startStack, type Stack } from './support/stack';
import { checkedFetch } from './support/openapi-check';

// Registering a public dataset by name through the API: the built API and a real worker (its
// VAECF_DATASET_MIRROR on a loopback mirror, never the real hosts), a real Redis.
let stack: Stack;
let mirror: DatasetMirror;
const redis = connect();
const TOKEN = 'secret-token';

async function call(method: string, path: string, body?: unknown) {
  const r = await checkedFetch(`${stack.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}
const newId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  mirror = await DatasetMirror.start();
  mirror.publish('ml-100k.zip', movielens100kZip());
  stack = await startStack({ token: TOKEN, workerEnv: { VAECF_DATASET_MIRROR: mirror.url } });
});
afterAll(async () => {
  await stack?.stop();
  await mirror?.stop();
  await redis.quit();
});

describe('datasets by name through the API', () => {
  it('`vaecf datasets add <id> --source ml-100k`: the worker downloads, verifies and prepares it', async () => {
    const id = newId('ml100k');
    const add = await runCli(['datasets', 'add', id, '--source', 'ml-100k', '--json'], {
      VAECF_API_URL: stack.base,
      VAECF_API_TOKEN: TOKEN,
    });
    expect(add.code, add.stderr).toBe(0);
    const registered = JSON.parse(add.stdout).dataset;
    expect(registered.source).toBe('public:ml-100k');
    // The catalog's format; no preset for ML-100K (the project's defaults).
    expect(registered.options).toEqual({ format: 'movielens-100k' });
    const ready = await until(`dataset ${id} ready`, async () => {
      const d = (await call('GET', `/datasets/${id}`)).body;
      if (d?.state === 'failed') throw new Error(`dataset failed: ${d.error}`);
      return d?.state === 'ready' ? d : null;
    });
    expect(ready.stats.users.train).toBeGreaterThan(0);
    expect(mirror.requests.map((r) => r.path)).toEqual(['ml-100k.zip.md5', 'ml-100k.zip']);
    // The download is kept in the worker's dataset cache (under its VAECF_CACHE_DIR).
    expect((await readdir(join(stack.root, 'cache-worker', 'datasets', 'ml-100k'))).sort()).toContain(
      'u.data',
    );
  });

  it("a preset and options may be given; ML-20M gets the paper's preset by default", async () => {
    const id = newId('ml20m');
    const r = await call('POST', '/datasets', { id, source: 'ml-20m', heldoutUsers: 5 });
    expect(r.status).toBe(201);
    expect(r.body.options).toEqual({ format: 'movielens-csv', preset: 'ml-20m', heldoutUsers: 5 });
    // The mirror has no ml-20m.zip: the preparation fails with the reason once its attempts are spent.
    await call('DELETE', `/datasets/${id}`);
  });

  it('refuses bad registrations with a 400 naming the field', async () => {
    const id = newId('bad');
    const cases: [unknown, RegExp][] = [
      [{ id, source: 'ml-20M' }, /^source: unknown dataset "ml-20M" \(did you mean "ml-20m"\?\)/],
      [{ id, source: 'netflix' }, /^source: Netflix Prize data needs a Kaggle login[\s\S]*kaggle\.com/],
      [
        { id, source: 'ml-100k', path: 'x.csv', format: 'csv' },
        /^source: give either path or source, not both/,
      ],
      [{ id, source: 'ml-100k', format: 'movielens-csv' }, /^format: source ml-100k is movielens-100k/],
      [{ id }, /^path: give a file \(path, with its format\) or a public dataset by name \(source\)/],
      [{ id, path: 'ratings.csv.gz' }, /^format: a file registered by path needs its format/],
    ];
    for (const [body, message] of cases) {
      const r = await call('POST', '/datasets', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.message).toMatch(message);
    }
    expect((await call('GET', `/datasets/${id}`)).status).toBe(404);
  });

  it('documents source in the OpenAPI document', async () => {
    const doc = (await call('GET', '/docs-json')).body;
    const text = JSON.stringify(doc);
    expect(text).toMatch(
      /"source":\{[^}]*"enum":\["ml-100k","ml-1m","ml-10m","ml-20m","ml-25m","ml-latest-small","msd","netflix"\]/,
    );
  });
});
