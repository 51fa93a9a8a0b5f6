import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { copyFile, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateSyntheticRatings } from '../libs/cf/src/data/synthetic';
import { connect } from '../libs/store/test/redis';
import { until } from '../apps/worker/test/processes';
import { BUNDLED, startStack, type Stack } from './support/stack';
import { checkedFetch } from './support/openapi-check';

// The dataset lifecycle end to end: the built API and a worker as real processes, a real Redis.
let stack: Stack;
const redis = connect();
const TOKEN = 'secret-token';
const BUNDLED_BYTES = 448_962;
const QUOTA = Math.floor(2.5 * BUNDLED_BYTES);

async function call(method: string, path: string, body?: unknown) {
  const r = await checkedFetch(`${stack.base}${path}`, {
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
  checkedFetch(`${stack.base}/datasets/upload?id=${id}&${query}`, {
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
    // The bundled file is 1.8 MB once decompressed, which is what the limit counts.
    apiEnv: { UPLOAD_LIMIT_BYTES: '2000000', UPLOAD_QUOTA_BYTES: String(QUOTA) },
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
    const failedGeneration = (await call('GET', `/datasets/${bad}`)).body.generation as number;
    await copyFile(BUNDLED, join(stack.dataRoot, `${bad}.csv.gz`));
    const fixed = await call('POST', '/datasets', { ...badBody, path: `${bad}.csv.gz` });
    // The answer is the record as read back after the job is queued: a worker may already have
    // taken it (preparing), or even finished it. What matters is that it is the new registration.
    expect(fixed).toMatchObject({
      status: 201,
      body: {
        state: expect.stringMatching(/^(queued|preparing|ready)$/),
        source: expect.stringMatching(/\.gz$/),
      },
    });
    expect(fixed.body.generation).toBeGreaterThan(failedGeneration);
    expect(fixed.body.error).toBeUndefined();
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

describe('refused registrations', () => {
  const ok = { path: 'ratings.csv.gz', format: 'movielens-csv' };
  const csv = { path: 'ratings.csv.gz', format: 'csv' };
  const cases: [string, Record<string, unknown>, string][] = [
    ['id too long', { ...ok, id: 'a'.repeat(129) }, 'id: use letters, digits'],
    ['id with a slash', { ...ok, id: 'a/b' }, 'id: use letters, digits'],
    ['id missing', { ...ok, id: undefined }, 'id: '],
    [
      'path out of the root',
      { path: '../etc/passwd', format: 'movielens-csv' },
      'path: "../etc/passwd" is outside the data root',
    ],
    ['path empty', { path: '', format: 'movielens-csv' }, 'path: '],
    ['format unknown', { ...ok, format: 'parquet' }, 'format: Invalid option'],
    ['preset unknown', { ...ok, preset: 'ml-1b' }, 'preset: Invalid option'],
    ['csv without a mapping', csv, 'csv: format "csv" needs a column mapping'],
    [
      'a mapping for a fixed format',
      { ...ok, csv: { user: 0, item: 1 } },
      'csv: a column mapping is only read with format "csv"',
    ],
    ['a mapping without item', { ...csv, csv: { user: 0 } }, 'csv.item: '],
    ['a negative column', { ...csv, csv: { user: 0, item: -1 } }, 'csv.item: '],
    [
      'a quote delimiter',
      { ...csv, csv: { user: 0, item: 1, delimiter: '"' } },
      'csv.delimiter: must not contain a quote',
    ],
    ['an empty delimiter', { ...csv, csv: { user: 0, item: 1, delimiter: '' } }, 'csv.delimiter: '],
    [
      'a mapping typo',
      { ...csv, csv: { user: 0, item: 1, delim: ';' } },
      'csv: unknown field "delim" (did you mean "delimiter"?)',
    ],
    ['threshold as text', { ...ok, threshold: '3.5' }, 'threshold: '],
    ['threshold huge', { ...ok, threshold: 1e300 }, 'threshold: Too big'],
    ['minUserCount fractional', { ...ok, minUserCount: 2.5 }, 'minUserCount: '],
    ['minItemCount huge', { ...ok, minItemCount: 1e12 }, 'minItemCount: Too big'],
    ['heldoutUsers zero', { ...ok, heldoutUsers: 0 }, 'heldoutUsers: Too small'],
    ['heldoutUsers huge', { ...ok, heldoutUsers: 2 ** 40 }, 'heldoutUsers: Too big'],
    ['heldoutFraction 1', { ...ok, heldoutFraction: 1 }, 'heldoutFraction: Too big'],
    ['seed huge', { ...ok, seed: 2 ** 33 }, 'seed: Too big'],
    [
      'a near-miss key',
      { ...ok, heldoutUser: 100 },
      '(body): unknown field "heldoutUser" (did you mean "heldoutUsers"?)',
    ],
    [
      'a case slip',
      { ...ok, MinUserCount: 3 },
      '(body): unknown field "MinUserCount" (did you mean "minUserCount"?)',
    ],
    ['an unknown key', { ...ok, colour: 'red' }, '(body): unknown field "colour" (known fields: '],
  ];

  it('every field is checked: a 400 naming it, and nothing stored, queued or written', async () => {
    const before = await readdir(stack.dataRoot);
    const ids: string[] = [];
    for (const [what, fields, message] of cases) {
      const id = newId('refused');
      ids.push(id);
      const r = await call('POST', '/datasets', { id, ...fields });
      expect({ what, status: r.status, message: r.body.message as string }).toEqual({
        what,
        status: 400,
        message: expect.stringContaining(message),
      });
    }
    // Infinity (1e400 in JSON) and NaN (not JSON at all) are refused too.
    const raw = (threshold: string) =>
      checkedFetch(`${stack.base}/datasets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: `{"id": "${newId('raw')}", "path": "ratings.csv.gz", "format": "movielens-csv", "threshold": ${threshold}}`,
      });
    const infinite = await raw('1e400');
    expect(infinite.status).toBe(400);
    expect(((await infinite.json()) as { message: string }).message).toMatch(/^threshold: /);
    expect((await raw('NaN')).status).toBe(400);
    for (const id of ids) expect(await redis.exists(`vaecf:dataset:${id}`), id).toBe(0);
    const listed = (await call('GET', '/datasets')).body.map((d: { id: string }) => d.id);
    expect(listed.filter((id: string) => id.startsWith('refused-') || id.startsWith('raw-'))).toEqual([]);
    expect(await readdir(stack.dataRoot)).toEqual(before);
  });

  it('an upload with a bad field is refused before anything is written', async () => {
    const id = newId('upq');
    const r = await upload(id, await readFile(BUNDLED), 'format=movielens-csv&heldoutUser=5');
    expect(r.status).toBe(400);
    expect(((await r.json()) as { message: string }).message).toContain(
      'heldoutUser: unknown query parameter "heldoutUser" (did you mean "heldoutUsers"?)',
    );
    expect(await uploads()).toEqual([]);
    expect(await redis.exists(`vaecf:dataset:${id}`)).toBe(0);
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
    const stored = record.source.split('/').pop();
    expect(await uploads()).toEqual([stored]);
    // The file belongs to its dataset: it cannot be registered a second time by path.
    const byPath = await call('POST', '/datasets', {
      id: `${id}-2`,
      path: `uploads/${stored}`,
      format: 'movielens-csv',
    });
    expect(byPath).toMatchObject({
      status: 400,
      body: { message: `path: "uploads/${stored}" is an uploaded file; upload it again to register it` },
    });
    await waitFor(id, 'ready');
    // Deleting the dataset removes its uploaded file.
    expect((await call('DELETE', `/datasets/${id}`)).status).toBe(204);
    expect(await uploads()).toEqual([]);
  });

  it('past the per-upload limit or the quota are refused with the limit named, leaving no file', async () => {
    const file = await readFile(BUNDLED);
    const tooBig = await upload(newId('big'), Buffer.alloc(2_100_000, 'x'));
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { message: string }).message).toBe(
      'upload larger than the limit of 2000000 bytes',
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
    // What an API process killed mid-upload leaves is removed by a later upload once an hour old.
    const dead = join(stack.dataRoot, 'uploads', '.incoming-dead-0123.upload');
    const fresh = join(stack.dataRoot, 'uploads', '.incoming-live-4567.upload');
    await writeFile(dead, 'x');
    await writeFile(fresh, 'x');
    const hourAgo = new Date(Date.now() - 3700_000);
    await utimes(dead, hourAgo, hourAgo);
    const next = await upload(`${id}-next`, Buffer.alloc(0));
    expect(next.status).toBe(400);
    expect(await uploads()).toEqual(['.incoming-live-4567.upload']);
    await rm(fresh);
  });
});
