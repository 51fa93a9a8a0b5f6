import { randomUUID } from 'node:crypto';
import { readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../apps/worker/test/processes';
import { checkedFetch, uncheckedOperations } from './support/openapi-check';
import { BUNDLED, startStack, type Stack } from './support/stack';

// End to end: the built API and a worker as real processes, a real Redis, real HTTP.
let stack: Stack;
let base: string;
const TOKEN = 'secret-token';

/** A request with the token; every answer is checked against docs/openapi.json on the way (checkedFetch). */
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const yaml = typeof body === 'string';
  const r = await checkedFetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': yaml ? 'application/yaml' : 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : yaml ? body : JSON.stringify(body),
  });
  const text = await r.text();
  const json = r.headers.get('content-type')?.startsWith('application/json');
  const parsed: unknown = json && text ? JSON.parse(text) : text;
  return { status: r.status, headers: r.headers, body: parsed as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- the tests read fields freely
}

beforeAll(async () => {
  stack = await startStack({
    token: TOKEN,
    apiEnv: { BODY_LIMIT: '20kb', UPLOAD_LIMIT_BYTES: '2000000', REQUEST_TIMEOUT_MS: '3000' },
  });
  base = stack.base;
  await symlink('/etc/hostname', join(stack.dataRoot, 'escape.csv'));
});
afterAll(() => stack?.stop());

const spec = (dataset: string) => `
dataset: ${dataset}
model: vae
fixed: { dims: [32, 8], batchSize: 200, epochs: 2, totalAnnealSteps: 20 }
space:
  lr: { type: choice, values: [0.001, 0.003] }
scheduler: { type: none }
limits: { maxConcurrent: 2 }
`;

describe('the API', () => {
  it('answers /health without a token and refuses other routes without the right one', async () => {
    const health = await checkedFetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'ok',
      redis: 'up',
      trialsQueue: 'up',
      datasetsQueue: 'up',
    });
    const none = await checkedFetch(`${base}/sweeps`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { message: string }).message).toBe(
      'missing Authorization: Bearer <token> header',
    );
    const wrong = await checkedFetch(`${base}/sweeps`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toBe('invalid bearer token');
  });

  it.each([
    [{ id: 'a', path: '../x.csv', format: 'movielens-csv' }, 'path: "../x.csv" is outside the data root'],
    [
      { id: 'a', path: '/etc/passwd', format: 'movielens-csv' },
      'path: "/etc/passwd" is outside the data root',
    ],
    [{ id: 'a', path: 'escape.csv', format: 'movielens-csv' }, 'path: "escape.csv" is outside the data root'],
    [
      { id: 'a', path: 'missing.csv', format: 'movielens-csv' },
      'path: "missing.csv" is not a file under the data root',
    ],
    [{ id: 'a', path: 'ratings.csv.gz', format: 'xml' }, 'format: Invalid option: expected one of'],
    [{ id: '../a', path: 'ratings.csv.gz', format: 'movielens-csv' }, 'id: use letters, digits'],
    [
      { id: 'a', path: 'ratings.csv.gz', format: 'movielens-csv', heldoutUsers: 0 },
      'heldoutUsers: Too small',
    ],
    [
      { id: 'a', path: 'ratings.csv.gz', format: 'movielens-csv', extra: 1 },
      '(body): unknown field "extra" (known fields: format, csv, threshold',
    ],
  ])('POST /datasets %j is a 400 naming the field', async (body, message) => {
    const r = await call('POST', '/datasets', body);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain(message);
  });

  it('runs a sweep end to end: dataset, idempotent submit, progress, leaderboard, trials, delete', async () => {
    const ds = `syn-${randomUUID().slice(0, 8)}`;
    const created = await call('POST', '/datasets', {
      id: ds,
      path: 'ratings.csv.gz',
      format: 'movielens-csv',
      heldoutUsers: 150,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: ds, state: 'queued' });
    expect(
      (await call('POST', '/datasets', { id: ds, path: 'ratings.csv.gz', format: 'movielens-csv' })).status,
    ).toBe(409);
    // A sweep on a dataset that is not ready yet is refused (unless preparation already won the race).
    const early = await call('POST', '/sweeps', spec('nothing-here'));
    expect(early).toMatchObject({
      status: 400,
      body: { message: 'invalid sweep spec: dataset: dataset "nothing-here" is not registered' },
    });
    await until(
      'the dataset to be ready',
      async () => (await call('GET', `/datasets/${ds}`)).body.state === 'ready',
    );
    expect((await call('GET', `/datasets/${ds}`)).body.stats.users).toEqual({
      train: 1682,
      validation: 150,
      test: 150,
    });

    const key = randomUUID();
    const first = await call('POST', '/sweeps', spec(ds), { 'idempotency-key': key });
    const again = await call('POST', '/sweeps', spec(ds), { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const id = first.body.id as string;
    // The same key with another spec is a client's mistake, not a retry: 422 naming the header.
    const reused = await call('POST', '/sweeps', `${spec(ds)}name: another\n`, { 'idempotency-key': key });
    expect(reused).toMatchObject({
      status: 422,
      body: {
        message: expect.stringMatching(
          `^Idempotency-Key: "${key}" was used for a different spec \\(sweep ${id}\\)`,
        ),
      },
    });
    expect(
      (await call('GET', '/sweeps?state=running')).body.sweeps.map((s: { id: string }) => s.id),
    ).toContain(id);
    expect((await call('DELETE', `/datasets/${ds}`)).status).toBe(409);

    const done = await until('the sweep to complete', async () => {
      const r = await call('GET', `/sweeps/${id}`);
      return r.body.state === 'completed' ? r.body : null;
    });
    expect(done.trials).toMatchObject({ completed: 2, running: 0, queued: 0 });
    // Two completed trials are too few for PED-ANOVA: it says so instead of equal shares.
    expect((await call('GET', `/sweeps/${id}/importance`)).body).toEqual({
      method: 'ped-anova',
      metric: 'ndcg100',
      trials: 2,
      needed: 3,
      insufficient: true,
      importance: {},
    });
    expect(done.test.ndcg100).toBeGreaterThan(0);
    expect(done.best.trial).toBe(done.bestTrial);

    const trials = (await call('GET', `/sweeps/${id}/trials?sort=best`)).body as {
      no: number;
      best: number;
    }[];
    expect(trials).toHaveLength(2);
    expect(trials[0].best).toBeGreaterThanOrEqual(trials[1].best);
    const one = await call('GET', `/sweeps/${id}/trials/0`);
    expect(one.body.history).toHaveLength(2);
    // The engine it ran on (the worker's auto choice, one thread: VAECF_THREADS' default).
    expect(one.body.engine).toMatchObject({ name: expect.any(String), device: 'cpu', threads: 1 });
    expect(one.body.backend).toBe(one.body.engine.name);
    expect(one.body.history[1].validation.ndcg100).toBeGreaterThan(0);

    // The best model: downloadable, and serving recommendations in original item ids.
    const download = await checkedFetch(`${base}/sweeps/${id}/model`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/gzip');
    const archive = Buffer.from(await download.arrayBuffer());
    expect(archive.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(gunzipSync(archive).toString('latin1')).toContain('checkpoint.json');
    const history = ['1', '2', '3', 'no-such-item'];
    const rec = await call('POST', `/sweeps/${id}/recommendations`, { items: history, k: 5 });
    expect(rec.status).toBe(200);
    expect(rec.body.unknownItems).toEqual(['no-such-item']);
    expect(rec.body.items).toHaveLength(5);
    for (const r of rec.body.items as { item: string; score: number }[])
      expect(history).not.toContain(r.item);
    const badK = await call('POST', `/sweeps/${id}/recommendations`, { items: ['1'], k: 0 });
    expect(badK).toMatchObject({ status: 400, body: { message: 'k: Too small: expected number to be >=1' } });

    // What a completed sweep serves besides: the report, the CSV exports and the comparison with its baselines.
    const report = await call('GET', `/sweeps/${id}/report`);
    expect(report.status).toBe(200);
    expect(report.body).toContain('<html');
    const csv = await call('GET', `/sweeps/${id}/trials.csv`);
    expect(csv.status).toBe(200);
    expect(csv.body.trim().split('\n')).toHaveLength(3); // a header and the two trials
    const comparison = await call('GET', `/sweeps/${id}/comparison`);
    expect(comparison.status).toBe(200);
    expect(comparison.body).toMatchObject({ sweep: id, split: done.split, best: { trial: done.bestTrial } });
    const comparisonCsv = await call('GET', `/sweeps/${id}/comparison.csv`);
    expect(comparisonCsv.status).toBe(200);
    expect(comparisonCsv.body).toMatch(/^against,metric,seeds,/);
    const listed = await call('GET', '/datasets');
    expect(listed.body.map((d: { id: string }) => d.id)).toContain(ds);

    expect((await call('DELETE', `/sweeps/${id}`)).status).toBe(204);
    expect((await call('GET', `/sweeps/${id}`)).status).toBe(404);
    expect((await call('DELETE', `/datasets/${ds}`)).status).toBe(204);
    expect((await call('GET', `/datasets/${ds}`)).status).toBe(404);
  });

  it('lists the live workers of its queue, and their /metrics targets for Prometheus', async () => {
    const workers = await call('GET', '/workers');
    expect(workers.status).toBe(200);
    expect(workers.body).toEqual([
      expect.objectContaining({
        id: expect.any(String),
        backend: expect.any(String),
        pid: expect.any(Number),
      }),
    ]);
    const sd = await call('GET', '/workers/sd');
    expect(sd.status).toBe(200);
    expect(sd.body).toEqual(
      workers.body
        .filter((w: { metrics: string | null }) => w.metrics)
        .map((w: { id: string; metrics: string; backend: string }) => ({
          targets: [w.metrics],
          labels: { worker: w.id, backend: w.backend },
        })),
    );
  });

  it("takes a sweep's fixed engine, warns when no live worker can load it, and refuses a bad one", async () => {
    const ds = `eng-${randomUUID().slice(0, 8)}`;
    await call('POST', '/datasets', {
      id: ds,
      path: 'ratings.csv.gz',
      format: 'movielens-csv',
      heldoutUsers: 150,
    });
    await until(
      'the dataset to be ready',
      async () => (await call('GET', `/datasets/${ds}`)).body.state === 'ready',
    );
    const withEngine = (engine: unknown) =>
      call('POST', '/sweeps', {
        dataset: ds,
        model: 'vae',
        fixed: { dims: [32, 8], batchSize: 200, epochs: 1, totalAnnealSteps: 20, engine },
      });
    expect(await withEngine('torch')).toMatchObject({
      status: 400,
      body: {
        message: expect.stringMatching(
          /^invalid sweep spec: fixed\.engine: must be one of auto, onnxruntime/,
        ),
      },
    });
    const cuda = await withEngine('onnxruntime-cuda');
    expect(cuda.status).toBe(201);
    expect(cuda.body.warnings).toEqual([
      expect.stringMatching(
        /^fixed\.engine onnxruntime-cuda: no registered worker can load it \(the 1 live worker of queue/,
      ),
    ]);
    // The stack's worker takes its trial and hands it back unclaimed, saying why.
    const waiting = await until('the trial to say why it waits', async () => {
      const [t] = (await call('GET', `/sweeps/${cuda.body.id}/trials`)).body as { engineWait?: string }[];
      return t?.engineWait ? t : null;
    });
    expect(waiting).toMatchObject({ state: 'queued', attempts: 0 });
    expect(waiting.engineWait).toMatch(/cannot load engine onnxruntime-cuda/);
    const wasm = await withEngine('wasm');
    expect(wasm.status).toBe(201);
    expect(wasm.body.warnings).toBeUndefined();
    expect(wasm.body.spec.fixed.engine).toBe('tfjs-wasm');
    for (const id of [cuda.body.id, wasm.body.id]) await call('DELETE', `/sweeps/${id}`);
  });

  it('refuses bad specs, unknown ids, bad queries and oversized bodies with the reason', async () => {
    const badSpec = await call('POST', '/sweeps', 'dataset: x\nmodel: gan\n');
    expect(badSpec).toMatchObject({ status: 400 });
    expect(badSpec.body.message).toContain('invalid sweep spec: model: Invalid option');
    const badYaml = await call('POST', '/sweeps', 'dataset: [x\n');
    expect(badYaml.status).toBe(400);
    expect(badYaml.body.message).toMatch(/invalid sweep spec: line \d+, column \d+/);
    expect((await call('GET', '/sweeps/sw_nope')).body).toMatchObject({
      statusCode: 404,
      message: 'sweep "sw_nope" not found',
    });
    expect((await call('GET', '/sweeps?state=sleeping')).body.message).toBe(
      'state: Invalid option: expected one of "running"|"finalizing"|"completed"|"cancelled"|"failed"',
    );
    expect((await call('GET', '/sweeps/sw_nope/trials/x')).status).toBe(400);
    // Routes that answer a page, a CSV or a file answer their errors as JSON, labelled so.
    for (const route of ['report', 'trials.csv', 'comparison.csv', 'model'])
      expect(await call('GET', `/sweeps/sw_nope/${route}`)).toMatchObject({
        status: 404,
        body: { message: 'sweep "sw_nope" not found' },
      });
    const noModel = await call('POST', '/sweeps/sw_nope/recommendations', { items: ['1'] });
    expect(noModel).toMatchObject({ status: 404, body: { message: 'sweep "sw_nope" not found' } });
    const big = await call('POST', '/sweeps', { dataset: 'x'.repeat(30_000), model: 'vae' });
    expect(big.status).toBe(413);
  });

  it('serves the OpenAPI document built from the validation schemas', async () => {
    const r = await checkedFetch(`${base}/docs-json`);
    expect(r.status).toBe(200);
    const doc = (await r.json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/datasets', '/sweeps', '/sweeps/{id}/trials', '/health']),
    );
    expect(Object.keys(doc.components.schemas.RegisterDatasetDto.properties ?? {})).toEqual(
      expect.arrayContaining(['id', 'path', 'format', 'heldoutUsers']),
    );
    expect(Object.keys(doc.components.schemas.SweepSpecDto.properties ?? {})).toEqual(
      expect.arrayContaining(['dataset', 'model', 'space', 'scheduler']),
    );
  });

  it('exposes request rate and latency by route template and status on /metrics, without a token', async () => {
    await call('GET', '/sweeps/sw_metrics_probe');
    await checkedFetch(`${base}/no/such/route`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const r = await checkedFetch(`${base}/metrics`);
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).toMatch(
      /vaecf_http_requests_total\{method="GET",route="\/sweeps\/:id",status="404"\} [1-9]/,
    );
    expect(text).toMatch(/vaecf_http_requests_total\{method="POST",route="\/datasets",status="400"\} [1-9]/);
    expect(text).toMatch(/vaecf_http_requests_total\{method="GET",route="unmatched",status="404"\} [1-9]/);
    expect(text).toMatch(
      /vaecf_http_request_duration_seconds_bucket\{le="0.1",method="GET",route="\/health",status="200"\}/,
    );
    expect(text).not.toContain('sw_metrics_probe'); // raw ids never become label values
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('takes a ratings file as an upload, within the size limit', async () => {
    const id = `up-${randomUUID().slice(0, 8)}`;
    const upload = (query: string, body: Buffer) =>
      checkedFetch(`${base}/datasets/upload?${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
        body,
      });
    const file = await readFile(BUNDLED);
    const ok = await upload(`id=${id}&format=movielens-csv&heldoutUsers=100`, file);
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({
      id,
      state: expect.stringMatching(/^(queued|preparing)$/), // a worker may already have taken it
      options: { format: 'movielens-csv', heldoutUsers: 100 },
    });
    await until(
      'the upload to be prepared',
      async () => (await call('GET', `/datasets/${id}`)).body.state === 'ready',
    );
    const tooBig = await upload(`id=${id}-big&format=movielens-csv`, Buffer.alloc(2_100_000));
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { message: string }).message).toBe(
      'upload larger than the limit of 2000000 bytes',
    );
    expect((await call('GET', `/datasets/${id}-big`)).status).toBe(404);
    const badQuery = await upload(`id=${id}-q&format=xml`, file);
    expect(badQuery.status).toBe(400);
    expect(((await badQuery.json()) as { message: string }).message).toContain('format: Invalid option');
    expect((await call('DELETE', `/datasets/${id}`)).status).toBe(204);
  });

  it('refuses a second sweep, an unread content type, reserved keys and repeated query parameters by name', async () => {
    for (const [section, key] of [
      ['fixed', '__proto__'],
      ['space', 'constructor'],
    ]) {
      const value = section === 'fixed' ? '{"lr": 0.1}' : '{"type": "choice", "values": [1]}';
      const json = await checkedFetch(`${base}/sweeps`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: `{"dataset": "d", "model": "vae", "${section}": {"${key}": ${value}}}`,
      });
      const yaml = await call('POST', '/sweeps', `dataset: d\nmodel: vae\n${section}:\n  ${key}: ${value}\n`);
      const message = `invalid sweep spec: ${section}.${key}: "${key}" is a reserved name, not a hyperparameter`;
      expect({ status: json.status, body: await json.json() }).toMatchObject({
        status: 400,
        body: { message },
      });
      expect(yaml).toMatchObject({ status: 400, body: { message } });
    }
    const plain = await call('POST', '/sweeps', undefined, { 'content-type': 'text/plain' });
    expect(plain.status).toBe(415); // no body: the route says what it reads
    const text = await checkedFetch(`${base}/sweeps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
      body: 'dataset: d\nmodel: vae\n',
    });
    expect({ status: text.status, body: await text.json() }).toMatchObject({
      status: 415,
      body: {
        message:
          'content-type: "text/plain" is not read here: send the body as application/json (a sweep spec also as application/yaml)',
      },
    });
    expect((await call('GET', '/sweeps?limit=1&limit=2')).body).toMatchObject({
      statusCode: 400,
      message: 'limit: the query parameter is given more than once; give it once',
    });
    expect((await call('GET', '/sweeps?state[]=running')).body).toMatchObject({
      statusCode: 400,
      message:
        'state[]: unknown query parameter "state[]" (did you mean "state"?); valid: state, offset, limit',
    });
    // The scheme of a bearer header in any case (RFC 7235).
    // (A route that reads one record: the sweep index is shared by every test on this Redis.)
    const lower = await checkedFetch(`${base}/sweeps/sw_nope`, {
      headers: { authorization: `bearer ${TOKEN}` },
    });
    expect(lower.status).toBe(404);
    const wrong = await checkedFetch(`${base}/sweeps/sw_nope`, { headers: { authorization: 'bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('answers a 100 KB header with 431 and a body that never comes with 408, both without a reset', async () => {
    const exchange = (head: string) =>
      new Promise<{ text: string; error?: string }>((resolve) => {
        const socket = connect(Number(new URL(base).port), '127.0.0.1');
        let text = '';
        socket.on('data', (b: Buffer) => (text += b.toString()));
        socket.on('error', (e: NodeJS.ErrnoException) => resolve({ text, error: e.code }));
        socket.on('close', () => resolve({ text }));
        socket.write(head);
      });
    const big = await exchange(`GET /sweeps HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`);
    expect(big.error).toBeUndefined();
    expect(big.text).toMatch(
      /^HTTP\/1\.1 431 [^]*"message":"\(headers\): larger than the limit of \d+ bytes in all"/,
    );
    const stalled = await exchange(
      `POST /sweeps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`,
    );
    expect(stalled.text).toMatch(
      /^HTTP\/1\.1 408 [^]*"message":"\(body\): not received within 3000 ms \(REQUEST_TIMEOUT_MS\)"/,
    );
    expect(stack.apiLog()).not.toMatch(/^api: /m);
  });

  it('counts a gzip upload decompressed, and names the uploaded file (escaped) when it fails', async () => {
    const upload = (query: string, body: Buffer) =>
      checkedFetch(`${base}/datasets/upload?${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/gzip' },
        body,
      });
    const id = `gz-${randomUUID().slice(0, 8)}`;
    const bomb = gzipSync(Buffer.alloc(5_000_000, '1,2,3\n'));
    expect(bomb.length).toBeLessThan(2_000_000); // within the limit as sent
    const refused = await upload(`id=${id}&format=movielens-csv`, bomb);
    expect({ status: refused.status, body: await refused.json() }).toMatchObject({
      status: 413,
      body: { message: 'upload larger than the limit of 2000000 bytes once decompressed' },
    });
    expect((await call('GET', `/datasets/${id}`)).status).toBe(404);

    const garbage = Buffer.from(
      `userId,movieId,rating,timestamp\n1,2,\u001b]0;owned\u0007\u001b[2J${'\u0001'.repeat(2000)},3\n`,
    );
    const bad = await upload(`id=${id}&format=movielens-csv&filename=my-ratings.csv`, gzipSync(garbage));
    expect(bad.status).toBe(201);
    const failed = await until('the upload to fail', async () => {
      const d = await call('GET', `/datasets/${id}`);
      return d.body.state === 'failed' ? d.body : null;
    });
    expect(failed.sourceName).toBe('my-ratings.csv');
    expect(failed.error).toMatch(/^my-ratings\.csv:2: /);
    expect(failed.error).toContain('\\x1b]0;owned\\x07');
    // eslint-disable-next-line no-control-regex -- no raw control character may be left
    expect(failed.error).not.toMatch(/[\u0000-\u001f]|\.upload/);
    expect(failed.error.length).toBeLessThan(600);
    expect((await call('DELETE', `/datasets/${id}`)).status).toBe(204);
  });

  it('refuses to extend a cancelled sweep, saying to resume it first; resumed, it extends', async () => {
    const ds = `ext-${randomUUID().slice(0, 8)}`;
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
    const submitted = await call('POST', '/sweeps', {
      dataset: ds,
      model: 'dae',
      fixed: { dims: [16], batchSize: 500, epochs: 30 },
      space: { lr: { type: 'loguniform', low: 1e-4, high: 1e-2 } },
      search: { method: 'random', trials: 50, seed: 1 },
      limits: { maxConcurrent: 1 },
    });
    expect(submitted.status).toBe(201);
    const id = submitted.body.id as string;
    expect((await call('POST', `/sweeps/${id}/cancel`)).body.state).toBe('cancelled');
    const extended = await call('POST', `/sweeps/${id}/extend`, { trials: 2 });
    expect(extended).toMatchObject({
      status: 409,
      body: {
        message: `sweep "${id}" is cancelled; resume it first (POST /sweeps/${id}/resume, \`vaecf sweep resume\`), then extend it`,
      },
    });
    expect((await call('GET', `/sweeps/${id}`)).body.state).toBe('cancelled');
    // Resumed, it takes more configurations.
    const resumed = await call('POST', `/sweeps/${id}/resume`);
    expect(resumed).toMatchObject({ status: 200, body: { state: 'running' } });
    const more = await call('POST', `/sweeps/${id}/extend`, { trials: 2 });
    expect(more).toMatchObject({ status: 200, body: { planned: 52 } });
    expect(more.body.events.map((e: { action: string }) => e.action)).toEqual([
      'cancelled',
      'resumed',
      'extended',
    ]);
    expect((await call('DELETE', `/sweeps/${id}`)).status).toBe(204);
    expect((await call('DELETE', `/datasets/${ds}`)).status).toBe(204);
  });

  // Last in this file (vitest runs a file's tests in order): the tests above reach every route.
  it('has checked a success answer of every operation in docs/openapi.json against it', () => {
    expect(uncheckedOperations()).toEqual([]);
  });
});
