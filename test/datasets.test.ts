import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { copyFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateSyntheticRatings } from '../libs/cf/src/data/synthetic';
import { connect } from '../libs/queue/test/redis';
import { until } from '../apps/worker/test/processes';
import { BUNDLED, startStack, type Stack } from './support/stack';

// The dataset lifecycle end to end: the built API and a worker as real processes, a real Redis.
let stack: Stack;
const redis = connect();
const TOKEN = 'secret-token';
const BUNDLED_BYTES = 448_962;
const QUOTA = Math.floor(2.5 * BUNDLED_BYTES);

async function call(method: string, path: string, body?: unknown) {
  const r = await fetch(`${stack.base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

const upload = (id: string, body: Buffer, query = 'format=movielens-csv') =>
  fetch(`${stack.base}/datasets/upload?id=${id}&${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
    body,
  });

const stateOf = async (id: string) =>
  (await call('GET', `/datasets/${id}`)).body?.state as string | undefined;
const waitFor = (id: string, state: string) =>
  until(`dataset ${id} to be ${state}`, async () => (await stateOf(id)) === state, 60_000);
const uploads = async () => (await readdir(join(stack.dataRoot, 'uploads')).catch(() => [])).sort();
const artifactsOf = (id: string) => join(stack.root, 'artifacts', 'datasets', id);
const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );
const newId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  stack = await startStack({
    token: TOKEN,
    apiEnv: { UPLOAD_LIMIT_BYTES: '600000', UPLOAD_QUOTA_BYTES: String(QUOTA) },
  });
  await copyFile(BUNDLED, join(stack.dataRoot, 'synthetic-ml.csv.gz'));
  expect((await stat(BUNDLED)).size).toBe(BUNDLED_BYTES);
});
afterAll(async () => {
  await stack?.stop();
  await redis.quit();
});

describe('registering datasets', () => {
  it("README's registration of the bundled file, under the quickstart's id, reaches ready", async () => {
    const readme = await readFile(resolve(__dirname, '../README.md'), 'utf8');
    const m = /npx vaecf datasets add (\S+) (\S+) --format (\S+)\n/.exec(
      readme.slice(readme.indexOf('### The quickstart by hand')),
    );
    expect(m).not.toBeNull();
    const [, readmeId, path, format] = m!;
    const quickstart = parse(await readFile(resolve(__dirname, '../examples/quickstart.yaml'), 'utf8'));
    expect(readmeId).toBe(quickstart.dataset);
    expect(readme).toMatch(/VAECF_DATA_ROOT=examples\/data /);
    expect(path).toBe('synthetic-ml.csv.gz');
    // The same registration, under an id of this test's own (the Redis is shared).
    const id = newId('readme');
    expect((await call('POST', '/datasets', { id, path, format })).status).toBe(201);
    await waitFor(id, 'ready');
    expect((await call('GET', `/datasets/${id}`)).body.stats.users).toEqual({
      train: 1586,
      validation: 198,
      test: 198,
    });
    expect((await call('DELETE', `/datasets/${id}`)).status).toBe(204);
  });

  it('prepares an id again after a DELETE, and a failed one registered again once fixed', async () => {
    const id = newId('again');
    const body = { id, path: 'ratings.csv.gz', format: 'movielens-csv', heldoutUsers: 100 };
    expect((await call('POST', '/datasets', body)).status).toBe(201);
    await waitFor(id, 'ready');
    expect((await call('DELETE', `/datasets/${id}`)).status).toBe(204);
    expect(await exists(artifactsOf(id))).toBe(false);
    expect((await call('POST', '/datasets', body)).status).toBe(201);
    await waitFor(id, 'ready');
    expect(await exists(join(artifactsOf(id), 'manifest.json'))).toBe(true);
    expect((await call('DELETE', `/datasets/${id}`)).status).toBe(204);

    const bad = newId('fixed');
    await writeFile(join(stack.dataRoot, `${bad}.csv`), 'userId,movieId,rating,timestamp\n1,2,oops,0\n');
    const badBody = { id: bad, path: `${bad}.csv`, format: 'movielens-csv' };
    expect((await call('POST', '/datasets', badBody)).status).toBe(201);
    await waitFor(bad, 'failed');
    expect((await call('GET', `/datasets/${bad}`)).body.error).toMatch(/rating/);
    await copyFile(BUNDLED, join(stack.dataRoot, `${bad}.csv.gz`));
    const fixed = await call('POST', '/datasets', { ...badBody, path: `${bad}.csv.gz` });
    expect(fixed).toMatchObject({
      status: 201,
      body: { state: 'queued', source: expect.stringMatching(/\.gz$/) },
    });
    await waitFor(bad, 'ready');
    expect((await call('GET', `/datasets/${bad}`)).body.error).toBeUndefined();
    // A dataset that is not failed is not replaced.
    expect((await call('POST', '/datasets', badBody)).status).toBe(409);
    expect((await call('DELETE', `/datasets/${bad}`)).status).toBe(204);
  });

  it('a DELETE during preparation leaves no record and no artifacts', async () => {
    // Large enough to take a few seconds to prepare (about 2M ratings).
    const big = join(stack.dataRoot, 'big.csv');
    await generateSyntheticRatings(big, {
      users: 40_000,
      items: 3_000,
      tastes: 8,
      meanItemsPerUser: 50,
      seed: 1,
    });
    const id = newId('mid');
    expect((await call('POST', '/datasets', { id, path: 'big.csv', format: 'movielens-csv' })).status).toBe(
      201,
    );
    await waitFor(id, 'preparing');
    expect((await call('DELETE', `/datasets/${id}`)).status).toBe(204);
    // The worker's preparation ends, finds its registration gone and discards its work.
    await until(
      'the preparation to end',
      async () => new RegExp(`finished prepare dataset-${id}-\\d+: discarded`).test(stack.worker.output()),
      60_000,
    );
    expect(await redis.exists(`vaecf:dataset:${id}`)).toBe(0);
    expect(await exists(artifactsOf(id))).toBe(false);
    expect((await call('GET', `/datasets/${id}`)).status).toBe(404);
  });
});

describe('uploads', () => {
  it("of one id at once: one wins, the other is a 409, and only the winner's file stays", async () => {
    const id = newId('twice');
    const file = await readFile(BUNDLED);
    const answers = await Promise.all([upload(id, file), upload(id, file)]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const loser = answers.find((a) => a.status === 409)!;
    expect(((await loser.json()) as { message: string }).message).toContain(`dataset "${id}" already exists`);
    const record = (await call('GET', `/datasets/${id}`)).body;
    expect(await uploads()).toEqual([record.source.split('/').pop()]);
    await waitFor(id, 'ready');
    // Deleting the dataset removes its uploaded file.
    expect((await call('DELETE', `/datasets/${id}`)).status).toBe(204);
    expect(await uploads()).toEqual([]);
  });

  it('past the per-upload limit or the quota are refused with the limit named, leaving no file', async () => {
    const file = await readFile(BUNDLED);
    const tooBig = await upload(newId('big'), Buffer.alloc(700_000, 'x'));
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { message: string }).message).toBe(
      'upload larger than the limit of 600000 bytes',
    );
    expect(await uploads()).toEqual([]);

    const a = newId('qa');
    const b = newId('qb');
    expect((await upload(a, file)).status).toBe(201);
    expect((await upload(b, file)).status).toBe(201);
    const c = newId('qc');
    const full = await upload(c, file);
    expect(full.status).toBe(507);
    expect(((await full.json()) as { message: string }).message).toContain(
      `UPLOAD_QUOTA_BYTES=${QUOTA} bytes`,
    );
    expect((await call('GET', `/datasets/${c}`)).status).toBe(404);
    expect(await uploads()).toHaveLength(2);
    // Deleting frees the quota.
    await waitFor(a, 'ready');
    expect((await call('DELETE', `/datasets/${a}`)).status).toBe(204);
    expect((await upload(c, file)).status).toBe(201);
    for (const id of [b, c]) {
      await until(
        `${id} to be prepared`,
        async () => (await stateOf(id)) !== 'queued' && (await stateOf(id)) !== 'preparing',
      );
      expect((await call('DELETE', `/datasets/${id}`)).status).toBe(204);
    }
    expect(await uploads()).toEqual([]);
  });

  it('aborted by the client mid-body leaves nothing behind', async () => {
    const id = newId('abort');
    const url = new URL(`${stack.base}/datasets/upload?id=${id}&format=movielens-csv`);
    const req = request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/octet-stream',
        'content-length': '500000',
      },
    });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(200_000, 'x'));
    // The server is receiving: a partial file exists.
    await until('the upload to be partly written', async () => (await uploads()).length > 0, 30_000);
    req.destroy();
    await until('the partial upload to be removed', async () => (await uploads()).length === 0, 30_000);
    expect((await call('GET', `/datasets/${id}`)).status).toBe(404);
  });
});
