import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { until } from '../apps/worker/test/processes';
import { startPrivateRedis, type PrivateRedis } from './support/redis-server';
import { startStack, type Stack } from './support/stack';
import { checkedFetch } from './support/openapi-check';

// The built API on a Redis of this test's own (append-only, so a restart keeps the data), which the
// test stops: every route must answer 503 + Retry-After at once, and nothing sent meanwhile may be
// applied when Redis comes back.
let redis: PrivateRedis;
let stack: Stack;
const TOKEN = 'redis-down-token';

async function call(method: string, path: string, body?: string | object, contentType = 'application/json') {
  const t0 = Date.now();
  const r = await checkedFetch(`${stack.base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': contentType }),
      'idempotency-key': 'redis-down-key',
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    // The old API waited for Redis (20 s in a 20 s outage): fail here instead of hanging the test.
    signal: AbortSignal.timeout(5_000),
  });
  const text = await r.text();
  return {
    status: r.status,
    ms: Date.now() - t0,
    retryAfter: r.headers.get('retry-after'),
    body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text,
  };
}

beforeAll(async () => {
  redis = await startPrivateRedis({ appendOnly: true });
  stack = await startStack({ token: TOKEN, redisUrl: redis.url });
});
afterAll(async () => {
  await stack?.stop();
  await redis?.dispose();
});

const spec = (dataset: string) => ({
  dataset,
  model: 'dae',
  fixed: { dims: [16], batchSize: 200, epochs: 1 },
  space: { lr: { type: 'choice', values: [0.001, 0.003] } },
});

it('answers 503 with Retry-After at once while Redis is down, applies nothing late, and recovers by itself', async () => {
  const ds = `rd-${randomUUID().slice(0, 8)}`;
  expect(
    (
      await call('POST', '/datasets', {
        id: ds,
        path: 'ratings.csv.gz',
        format: 'movielens-csv',
        heldoutUsers: 150,
      })
    ).status,
  ).toBe(201);
  await until(
    'the dataset to be ready',
    async () => (await call('GET', `/datasets/${ds}`)).body.state === 'ready',
  );

  await redis.stop();
  const routes: [string, string, (string | object)?, string?][] = [
    ['GET', '/sweeps'],
    ['GET', '/sweeps?state=running'],
    ['POST', '/sweeps', spec(ds)],
    ['POST', '/sweeps', `dataset: ${ds}\nmodel: vae\n`, 'application/yaml'],
    ['GET', '/sweeps/sw_x'],
    ['POST', '/sweeps/sw_x/cancel'],
    ['DELETE', '/sweeps/sw_x'],
    ['GET', '/sweeps/sw_x/trials'],
    ['GET', '/sweeps/sw_x/trials/0'],
    ['GET', '/sweeps/sw_x/report'],
    ['GET', '/sweeps/sw_x/model'],
    ['POST', '/sweeps/sw_x/recommendations', { items: ['1'] }],
    ['POST', '/datasets', { id: `${ds}-late`, path: 'ratings.csv.gz', format: 'movielens-csv' }],
    ['GET', '/datasets'],
    ['GET', `/datasets/${ds}`],
    ['DELETE', `/datasets/${ds}`],
    ['POST', `/datasets/upload?id=${ds}-up&format=movielens-csv`, '1,2,5,0\n', 'application/octet-stream'],
  ];
  for (const [method, path, body, type] of routes) {
    const r = await call(method, path, body, type);
    expect({ route: `${method} ${path}`, status: r.status, retryAfter: r.retryAfter }).toEqual({
      route: `${method} ${path}`,
      status: 503,
      retryAfter: '5',
    });
    expect(r.body.message).toBe('Redis is unavailable: retry later');
    expect(r.ms).toBeLessThan(1_000);
  }
  const health = await call('GET', '/health');
  expect(health).toMatchObject({ status: 503, body: { status: 'down', redis: 'down' } });
  expect(health.ms).toBeLessThan(1_000);
  // Docs and metrics need no Redis.
  expect((await call('GET', '/docs-json')).status).toBe(200);

  await new Promise((r) => setTimeout(r, 1_000)); // an outage longer than a reconnect attempt
  await redis.start();
  await until(
    'the API to reach Redis again',
    async () => (await call('GET', '/health')).status === 200,
    15_000,
  );

  // Nothing sent during the outage was applied on reconnection.
  expect((await call('GET', '/sweeps')).body).toMatchObject({ sweeps: [], total: 0 });
  expect(redis.cli('exists', 'vaecf:idempotency:redis-down-key').trim()).toBe('0');
  expect((await call('GET', `/datasets/${ds}-late`)).status).toBe(404);
  expect((await call('GET', `/datasets/${ds}`)).body.state).toBe('ready');
  expect(redis.cli('llen', `bull:${stack.queues.VAECF_TRIALS_QUEUE}:wait`).trim()).toBe('0');

  // And the API works again without a restart.
  const created = await call('POST', '/sweeps', spec(ds));
  expect(created.status).toBe(201);
  expect((await call('GET', `/sweeps/${created.body.id as string}`)).body.state).toMatch(/running|completed/);
  expect(stack.apiLog()).not.toMatch(/^api: /m); // no 500 was logged
  // The outage is logged once, and its end.
  expect(stack.apiLog().match(/connection to Redis lost/g)).toHaveLength(1);
  expect(stack.apiLog()).toContain('connection to Redis back');
}, 180_000);
