import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, until, type WorkerProcess } from '../apps/worker/test/processes';
import { readyBundled, startStack, type Stack } from './support/stack';
import { checkedFetch } from './support/openapi-check';

// The built API and real workers on a real Redis: bodies built to hurt, cancel while workers take
// jobs, and the OpenAPI document against the routes Nest actually mapped.
let stack: Stack;
let extraWorker: WorkerProcess;
const TOKEN = 'robust-token';
let dataset: string;

async function call(
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { message?: unknown; [k: string]: unknown }; ms: number }> {
  const t0 = Date.now();
  const r = await checkedFetch(`${stack.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    body,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await r.text();
  return { status: r.status, body: text.startsWith('{') ? JSON.parse(text) : { text }, ms: Date.now() - t0 };
}
const json = (method: string, path: string, value: unknown) =>
  call(method, path, JSON.stringify(value), { 'content-type': 'application/json' });
const yaml = (path: string, text: string) => call('POST', path, text, { 'content-type': 'application/yaml' });

beforeAll(async () => {
  // Two workers taking three trials each: cancelled trials are taken and ended within milliseconds,
  // while the API removes the others from the queue.
  stack = await startStack({ token: TOKEN, workerEnv: { WORKER_CONCURRENCY: '3' } });
  extraWorker = startWorker(`robust-${randomUUID().slice(0, 6)}`, {
    ...stack.queues,
    VAECF_ARTIFACTS_DIR: `${stack.root}/artifacts`,
    WORKER_CONCURRENCY: '3',
  });
  dataset = `rb-${randomUUID().slice(0, 8)}`;
  await readyBundled(stack, dataset, { heldoutUsers: 150 });
}, 180_000);
afterAll(async () => {
  extraWorker?.kill9();
  await stack?.stop();
});

const nested = (open: string, close: string, depth: number, inner = '1') =>
  open.repeat(depth) + inner + close.repeat(depth);

describe('bodies built to hurt are 4xx naming where, never a 500', () => {
  it.each([
    [
      'a YAML alias bomb',
      () =>
        yaml(
          '/sweeps',
          'abcdefghi'
            .split('')
            .map(
              (k, i) =>
                `${k}: &${k} [${Array(9)
                  .fill(i === 0 ? '"x"' : `*${'abcdefghi'[i - 1]}`)
                  .join(', ')}]`,
            )
            .join('\n'),
        ),
      400,
      'invalid sweep spec: (document): uses 81 YAML anchors and aliases, more than 20',
    ],
    [
      'a 100,000-level nested fixed value (JSON)',
      () =>
        call(
          'POST',
          '/sweeps',
          `{"dataset": "${dataset}", "model": "vae", "fixed": {"a": ${nested('[', ']', 100_000)}}}`,
          {
            'content-type': 'application/json',
          },
        ),
      400,
      `fixed.a${'.0'.repeat(30)}: nested deeper than 32 levels`,
    ],
    [
      'a 100,000-level nested fixed value (YAML)',
      () => yaml('/sweeps', `dataset: ${dataset}\nmodel: vae\nfixed: { a: ${nested('[', ']', 100_000)} }\n`),
      400,
      'nested deeper than 32 levels',
    ],
    [
      'a deep dataset registration',
      () =>
        call('POST', '/datasets', `{"id": "x", "format": ${nested('{"a":', '}', 50_000)}}`, {
          'content-type': 'application/json',
        }),
      400,
      'nested deeper than 32 levels',
    ],
    [
      'a YAML custom tag',
      () => yaml('/sweeps', `dataset: ${dataset}\nmodel: !!python/object vae\n`),
      400,
      'line 2, column 8: YAML tags (!!python/object) are not accepted',
    ],
    [
      'two YAML documents',
      () => yaml('/sweeps', `dataset: ${dataset}\n---\nmodel: vae\n`),
      400,
      'send one YAML document, not several',
    ],
    [
      'invalid JSON',
      () => call('POST', '/sweeps', '{"dataset": ', { 'content-type': 'application/json' }),
      400,
      '(body): not valid JSON',
    ],
    [
      'a JSON array as the spec',
      () => json('POST', '/sweeps', [1, 2]),
      400,
      'invalid sweep spec: (spec): Invalid input: expected object, received array',
    ],
    [
      'a JSON number as the spec',
      () => json('POST', '/sweeps', 42),
      400,
      'invalid sweep spec: (spec): Invalid input: expected object, received number',
    ],
    [
      'a JSON scalar as a registration',
      () => json('POST', '/datasets', 'x'),
      400,
      '(body): Invalid input: expected object, received string',
    ],
    [
      'an empty YAML body',
      () => yaml('/sweeps', ''),
      400,
      'invalid sweep spec: (document): must be a mapping',
    ],
    [
      'an unread content type',
      () => call('POST', '/sweeps', '<spec/>', { 'content-type': 'application/xml' }),
      415,
      'content-type: "application/xml" is not read here: send the body as application/json (a sweep spec also as application/yaml)',
    ],
    [
      'a text/plain body (not read as YAML: 415, as for any other type)',
      () => call('POST', '/sweeps', `dataset: ${dataset}\nmodel: vae\n`, { 'content-type': 'text/plain' }),
      415,
      'content-type: "text/plain" is not read here',
    ],
    [
      'an unknown charset',
      () => call('POST', '/sweeps', '{}', { 'content-type': 'application/json; charset=klingon' }),
      415,
      'content-type: unsupported charset "KLINGON"',
    ],
    [
      'a body that is not the gzip it claims',
      () => call('POST', '/sweeps', '{}', { 'content-type': 'application/json', 'content-encoding': 'gzip' }),
      400,
      'content-encoding: the body could not be decompressed',
    ],
    [
      'a body over the limit',
      () => json('POST', '/sweeps', { dataset: 'x'.repeat(2_000_000) }),
      413,
      '(body): larger than the limit of 1048576 bytes',
    ],
    [
      'a huge string within the limit',
      () => json('POST', '/sweeps', { dataset: 'd'.repeat(900_000), model: 'vae' }),
      400,
      `invalid sweep spec: dataset: dataset "${'d'.repeat(100)}`,
    ],
    ['a path id that cannot exist', () => call('GET', '/sweeps/a%7Bb*'), 400, 'id: use letters, digits'],
    [
      'a trial number that is not one',
      () => call('GET', '/sweeps/sw_x/trials/first'),
      400,
      'no: must be a trial number',
    ],
  ])('%s', async (_what, send, status, message) => {
    const r = await send();
    expect({ status: r.status, message: r.body.message }).toEqual({
      status,
      message: expect.stringContaining(message),
    });
    expect(String(r.body.message).length).toBeLessThan(600); // a refused value is never echoed whole
  });

  it('left the API alive, healthy and without a logged 500', async () => {
    expect((await call('GET', '/health')).status).toBe(200);
    expect(stack.apiLog()).not.toMatch(/^api: /m);
  });
});

describe('cancel', () => {
  const manyTrials = (trials: number) =>
    JSON.stringify({
      dataset,
      model: 'dae',
      fixed: { dims: [16], batchSize: 500, epochs: 40 },
      space: { lr: { type: 'loguniform', low: 1e-4, high: 1e-2 } },
      search: { method: 'random', trials, seed: 1 },
      limits: { maxConcurrent: trials },
    });

  it('answers 200 while workers take the trials it cancels, and every trial ends (4 tries)', async () => {
    for (let attempt = 0; attempt < 4; attempt++) {
      const created = await call('POST', '/sweeps', manyTrials(300), { 'content-type': 'application/json' });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      await until(
        'trials to run',
        async () => ((await call('GET', `/sweeps/${id}`)).body.trials as { running: number }).running >= 2,
      );
      const cancelled = await call('POST', `/sweeps/${id}/cancel`);
      expect({ attempt, status: cancelled.status, message: cancelled.body.message }).toEqual({
        attempt,
        status: 200,
        message: undefined,
      });
      expect(cancelled.body.state).toBe('cancelled');
      const ended = await until('every trial to end', async () => {
        const v = await call('GET', `/sweeps/${id}`);
        const t = v.body.trials as Record<string, number>;
        return t.queued === 0 && t.running === 0 ? t : null;
      });
      expect(ended.cancelled + ended.completed).toBe(300);
      // Idempotent: a cancelled sweep cancels again with the same answer.
      const again = await call('POST', `/sweeps/${id}/cancel`);
      expect({ status: again.status, state: again.body.state }).toEqual({ status: 200, state: 'cancelled' });
    }
    expect(stack.apiLog()).not.toMatch(/^api: /m);
  }, 300_000);

  it('refuses to cancel a completed sweep with 409, and an unknown one with 404', async () => {
    const created = await json('POST', '/sweeps', {
      dataset,
      model: 'dae',
      fixed: { dims: [16], batchSize: 500, epochs: 1 },
    });
    const id = created.body.id as string;
    await until(
      'the sweep to complete',
      async () => (await call('GET', `/sweeps/${id}`)).body.state === 'completed',
    );
    expect(await call('POST', `/sweeps/${id}/cancel`)).toMatchObject({
      status: 409,
      body: { message: `sweep "${id}" has already completed; there is nothing to cancel` },
    });
    expect((await call('POST', '/sweeps/sw_nope/cancel')).status).toBe(404);
  }, 180_000);
});

describe('the OpenAPI document', () => {
  it('documents every route Nest mapped, with a summary, its success and (for routes with input) its 400', async () => {
    // Nest logs each route it maps: "Mapped {/sweeps/:id, GET} route".
    const mapped = [...stack.apiLog().matchAll(/Mapped \{([^,]+), (\w+)\} route/g)].map(
      ([, path, method]) => [method.toLowerCase(), path.replace(/:(\w+)/g, '{$1}')] as const,
    );
    expect(mapped.length).toBeGreaterThanOrEqual(17);
    const doc = (await (await checkedFetch(`${stack.base}/docs-json`)).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            summary?: string;
            responses: Record<string, unknown>;
            parameters?: { in?: string }[];
            requestBody?: unknown;
          }
        >
      >;
    };
    const problems: string[] = [];
    for (const [method, path] of mapped) {
      const op = doc.paths[path]?.[method];
      if (!op) {
        problems.push(`${method} ${path}: not documented`);
        continue;
      }
      const codes = Object.keys(op.responses);
      if (!op.summary) problems.push(`${method} ${path}: no summary`);
      if (!codes.some((c) => c.startsWith('2'))) problems.push(`${method} ${path}: no success answer`);
      // A header (Authorization) is not input a 400 could refuse: a wrong one is a 401.
      const params = (op.parameters ?? []).filter((p) => p.in !== 'header');
      const takesInput = params.length > 0 || op.requestBody !== undefined;
      if (takesInput && !codes.includes('400')) problems.push(`${method} ${path}: no 400`);
      if (path !== '/health' && !codes.includes('401')) problems.push(`${method} ${path}: no 401`);
    }
    expect(problems).toEqual([]);
  });
});
