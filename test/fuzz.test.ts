import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { prepareOptionsSchema, resolveTrialConfig, trialConfigSchema } from '@vaecf/cf';
import { sampleValue, type Distribution } from '@vaecf/sweep';
import {
  anyJson,
  edgeNumber,
  mutated,
  nearValidRegistration,
  nearValidSpec,
  reservedKeySpec,
  sweepListQuery,
  yamlText,
} from './support/fuzz-arbitraries';
import { startPrivateRedis, type PrivateRedis } from './support/redis-server';
import { readyBundled, startStack, type Stack } from './support/stack';
import { checkedFetch } from './support/openapi-check';

// A bounded fuzz of POST /sweeps and POST /datasets against the built API on a Redis of this test's own
// (so every vaecf: key and every job in it is this test's): no 5xx, an answer to every request (one
// that hangs for 5 s counts as none; how fast they come is printed, not asserted: load varies), every
// 4xx naming a field, the API alive, and nothing left behind by a refused request. Fixed seed: a
// failure reproduces with the same samples.
const SEED = 20261129;
const CONCURRENCY = 6;
const TOKEN = 'fuzz-token';
let redis: PrivateRedis;
let stack: Stack;
let dataset: string;

interface Sent {
  readonly route: '/sweeps' | '/datasets';
  readonly body: string;
  readonly contentType: string;
  readonly idempotencyKey?: string;
  /** GET /sweeps with this query string (no body) instead of a POST. */
  readonly query?: string;
}
interface Answer {
  readonly sent: Sent;
  readonly status: number;
  readonly ms: number;
  readonly body: { id?: string; message?: string; spec?: Record<string, unknown> };
}

beforeAll(async () => {
  redis = await startPrivateRedis();
  stack = await startStack({ token: TOKEN, redisUrl: redis.url });
  dataset = `fz-${randomUUID().slice(0, 8)}`;
  await readyBundled(stack, dataset, { heldoutUsers: 150 });
  // No worker from here on: accepted sweeps only queue their trials, and the fuzz keeps the CPU.
  stack.worker.kill9();
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  await redis?.dispose();
});

/** One request; no answer within 5 s (or a dropped connection) is status 0. */
async function send(sent: Sent): Promise<Answer> {
  const t0 = Date.now();
  try {
    const r =
      sent.query !== undefined
        ? await checkedFetch(`${stack.base}${sent.route}?${sent.query}`, {
            headers: { authorization: `Bearer ${TOKEN}` },
            signal: AbortSignal.timeout(5_000),
          })
        : await checkedFetch(`${stack.base}${sent.route}`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${TOKEN}`,
              'content-type': sent.contentType,
              ...(sent.idempotencyKey ? { 'idempotency-key': sent.idempotencyKey } : {}),
            },
            body: sent.body,
            signal: AbortSignal.timeout(5_000),
          });
    const text = await r.text();
    let body: Answer['body'];
    try {
      body = JSON.parse(text) as Answer['body'];
    } catch {
      body = { message: `(not JSON) ${text.slice(0, 200)}` };
    }
    return { sent, status: r.status, ms: Date.now() - t0, body };
  } catch (e) {
    return {
      sent,
      status: 0,
      ms: Date.now() - t0,
      body: { message: `no answer: ${(e as Error).message} ${String((e as { cause?: unknown }).cause)}` },
    };
  }
}

/** The requests: sweeps (near-valid and mutated JSON, any JSON, YAML text, deep values) and registrations. */
function requests(): Sent[] {
  const json = (route: Sent['route']) => (v: unknown) => ({
    route,
    contentType: 'application/json',
    body: JSON.stringify(v) ?? 'null',
  });
  const keyed = fc.option(fc.stringMatching(/^[a-z0-9]{1,6}$/), { freq: 4 });
  const spec = nearValidSpec(dataset);
  const deep = fc.tuple(spec, fc.integer({ min: 20, max: 60 })).map(([s, depth]) => {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
    return { ...s, fixed: { ...(s.fixed as object), dims: v } };
  });
  const sweeps = fc.oneof(
    { weight: 4, arbitrary: mutated(spec).map(json('/sweeps')) },
    { weight: 2, arbitrary: spec.map(json('/sweeps')) },
    { weight: 1, arbitrary: anyJson.map(json('/sweeps')) },
    { weight: 1, arbitrary: deep.map(json('/sweeps')) },
    {
      weight: 3,
      arbitrary: yamlText(dataset).map((body) => ({
        route: '/sweeps' as const,
        contentType: 'application/yaml',
        body,
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .string({ maxLength: 200 })
        .map((body) => ({ route: '/sweeps' as const, contentType: 'application/yaml', body })),
    },
    // A reserved key (__proto__, constructor, prototype) in fixed or space, as JSON and as YAML.
    {
      weight: 1,
      arbitrary: reservedKeySpec(dataset).chain(({ json, yaml }) =>
        fc.constantFrom(
          { route: '/sweeps' as const, contentType: 'application/json', body: json },
          { route: '/sweeps' as const, contentType: 'application/yaml', body: yaml },
        ),
      ),
    },
    // A spec as text/plain: 415, never read as YAML.
    {
      weight: 1,
      arbitrary: yamlText(dataset).map((body) => ({
        route: '/sweeps' as const,
        contentType: 'text/plain',
        body,
      })),
    },
  );
  const registrations = fc.oneof(
    { weight: 3, arbitrary: mutated(nearValidRegistration(`${dataset}-r`)).map(json('/datasets')) },
    { weight: 1, arbitrary: anyJson.map(json('/datasets')) },
  );
  const withKey = (s: fc.Arbitrary<Sent>) =>
    fc
      .tuple(s, keyed)
      .map(([sent, key]) =>
        key && sent.route === '/sweeps' ? { ...sent, idempotencyKey: `${dataset}-${key}` } : sent,
      );
  return [
    ...fc.sample(withKey(sweeps), { seed: SEED, numRuns: 1900 }),
    ...fc.sample(registrations, { seed: SEED + 1, numRuns: 600 }),
    // A number or the edge values as a whole body.
    ...fc.sample(edgeNumber.map(json('/sweeps')), { seed: SEED + 2, numRuns: 20 }),
    // GET /sweeps with query strings: repeated, array and unknown parameters, odd values.
    ...fc.sample(
      sweepListQuery.map((query) => ({ route: '/sweeps' as const, contentType: '', body: '', query })),
      { seed: SEED + 3, numRuns: 150 },
    ),
  ];
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

async function sendAll(all: Sent[]): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < all.length) answers.push(await send(all[next++]));
    }),
  );
  return answers;
}

const SPEC_FIELDS = [
  'name',
  'dataset',
  'model',
  'fixed',
  'space',
  'search',
  'scheduler',
  'limits',
  'checkpoints',
];
const REGISTRATION_FIELDS = ['id', 'path', 'preset', ...Object.keys(prepareOptionsSchema.shape)];
const ANY_ROUTE_FIELDS = [
  '(body)',
  '(spec)',
  '(document)',
  'content-type',
  'content-encoding',
  'Idempotency-Key',
];

/** Whether a 4xx message names where the problem is: "<field or position>: <problem>". */
function namesAField(sent: Sent, message: unknown): boolean {
  const route = sent.route;
  if (typeof message !== 'string') return false;
  const m = /^(?:invalid sweep spec: )?(.+?): \S/.exec(message);
  if (!m) return false;
  const where = m[1];
  // A query's problem names one of its parameters.
  if (sent.query !== undefined)
    return new URLSearchParams(sent.query).has(where) || ['state', 'offset', 'limit'].includes(where);
  if (/^line \d+, column \d+$/.test(where) || ANY_ROUTE_FIELDS.includes(where)) return true;
  const root = where.split('.')[0];
  return (route === '/sweeps' ? SPEC_FIELDS : REGISTRATION_FIELDS).includes(root);
}

/**
 * Why an accepted spec should have been refused, or null: each fixed value and each value a
 * distribution can give must make a valid trial configuration (an independent re-check of what
 * libs/orchestration's checkTrialSpace refuses at submit).
 */
function acceptedButInvalid(spec: Record<string, unknown>, sent: Sent): string | null {
  const fields = Object.keys(trialConfigSchema.shape);
  const fixed = (spec.fixed ?? {}) as Record<string, unknown>;
  // Every key sent in fixed and space is in the accepted spec: none dropped without a word.
  const dropped = droppedKeys(sent, spec);
  if (dropped) return `key "${dropped}" sent but silently dropped`;
  const space = (spec.space ?? {}) as Record<
    string,
    { type: string; values?: unknown[]; low?: number; high?: number }
  >;
  for (const key of [...Object.keys(fixed), ...Object.keys(space)])
    if (!fields.includes(key) || key === 'model') return `unknown trial field "${key}"`;
  const points: Record<string, unknown>[] = [{}];
  // The ends of a range as the samplers produce them (a uniform with q rounds to its multiples of q).
  for (const [key, d] of Object.entries(space))
    for (const v of d.type === 'choice'
      ? (d.values ?? [])
      : [0, 1 - 1e-12].map((u) => sampleValue(d as Distribution, () => u)))
      points.push({ [key]: v });
  for (const point of points) {
    try {
      resolveTrialConfig({ model: spec.model as 'vae', ...fixed, ...point });
    } catch (e) {
      return (e as Error).message;
    }
  }
  return null;
}

/** A key of the sent body's fixed or space (own keys, as parsed) missing from the accepted spec, or null. */
function droppedKeys(sent: Sent, spec: Record<string, unknown>): string | null {
  let doc: unknown;
  try {
    doc = sent.contentType === 'application/json' ? JSON.parse(sent.body) : parseYaml(sent.body);
  } catch {
    return null;
  }
  if (doc === null || typeof doc !== 'object') return null;
  for (const section of ['fixed', 'space'] as const) {
    const sentMap: unknown = Object.hasOwn(doc, section) ? (doc as Record<string, unknown>)[section] : null;
    if (sentMap === null || typeof sentMap !== 'object') continue;
    const kept = (spec[section] ?? {}) as object;
    const missing = Object.keys(sentMap).find((k) => !Object.hasOwn(kept, k));
    if (missing !== undefined) return `${section}.${missing}`;
  }
  return null;
}

it('POST /sweeps and POST /datasets: 2,200 generated bodies (and GET /sweeps queries), no 5xx, none left unanswered, 4xx naming a field, nothing left behind', async () => {
  const keysBefore = new Set(redis.cli('--scan', '--pattern', 'vaecf:*').split('\n').filter(Boolean));
  const generated = requests();
  const all = generated;
  expect(all.length).toBeGreaterThanOrEqual(2_000);
  const t0 = Date.now();
  const answers = await sendAll(all);
  const seconds = (Date.now() - t0) / 1000;

  const show = (a: Answer) =>
    `${a.status} ${a.ms} ms ${a.sent.route}${a.sent.query !== undefined ? `?${a.sent.query}` : ''} ${a.sent.contentType} ${a.sent.body.slice(0, 300)} -> ${String(a.body.message ?? a.body.id)}`;
  const failures: string[] = [];
  for (const a of answers) {
    const accepted = a.status === 200 || a.status === 201;
    const posted = a.sent.query === undefined;
    const invalid =
      accepted && posted && a.sent.route === '/sweeps' ? acceptedButInvalid(a.body.spec ?? {}, a.sent) : null;
    if (invalid) failures.push(`accepted but invalid (${invalid}): ${show(a)}`);
    if (a.status >= 500 || a.status === 0) failures.push(`5xx or no answer: ${show(a)}`);
    else if (!accepted && !namesAField(a.sent, a.body.message))
      failures.push(`4xx naming no field: ${show(a)}`);
    if (a.sent.contentType === 'text/plain' && a.status !== 415)
      failures.push(`text/plain not 415: ${show(a)}`);
  }
  const refusedMs = answers.filter((a) => a.status >= 400).map((a) => a.ms);
  console.log(
    `fuzz: ${answers.length} requests in ${seconds.toFixed(1)} s, ` +
      `${answers.filter((a) => a.status < 300).length} accepted; ` +
      `refused answers: median ${percentile(refusedMs, 0.5)} ms, p99 ${percentile(refusedMs, 0.99)} ms, ` +
      `max ${percentile(refusedMs, 1)} ms`,
  );
  expect(failures).toEqual([]);

  // The API is alive and healthy.
  const health = await checkedFetch(`${stack.base}/health`);
  expect(health.status).toBe(200);
  expect(stack.apiLog()).not.toMatch(/^api: /m);

  // Nothing left behind by a refused request: every new key, index entry and job is an accepted one's.
  const acceptedSweeps = new Set(
    answers
      .filter((a) => a.sent.route === '/sweeps' && a.sent.query === undefined && a.status < 300)
      .map((a) => a.body.id!),
  );
  const acceptedDatasets = new Set(
    answers.filter((a) => a.sent.route === '/datasets' && a.status < 300).map((a) => a.body.id!),
  );
  const acceptedKeys = new Set(
    answers.filter((a) => a.status < 300 && a.sent.idempotencyKey).map((a) => a.sent.idempotencyKey!),
  );
  const ours = (key: string): boolean => {
    const sweep = /^vaecf:sweep:\{([^}]+)\}/.exec(key)?.[1];
    if (sweep) return acceptedSweeps.has(sweep);
    const ds = /^vaecf:dataset:(.+)$/.exec(key)?.[1];
    if (ds) return acceptedDatasets.has(ds);
    const idem = /^vaecf:idempotency:(.+)$/.exec(key)?.[1];
    if (idem) return acceptedKeys.has(idem);
    return ['vaecf:sweeps', 'vaecf:datasets'].includes(key) || key.startsWith('vaecf:sweeps:state:');
  };
  const leftover = redis
    .cli('--scan', '--pattern', 'vaecf:*')
    .split('\n')
    .filter((k) => k && !keysBefore.has(k) && !ours(k));
  expect(leftover).toEqual([]);
  const lines = (s: string) => s.split('\n').filter(Boolean);
  for (const index of ['vaecf:sweeps', ...lines(redis.cli('--scan', '--pattern', 'vaecf:sweeps:state:*'))])
    expect(lines(redis.cli('zrange', index, '0', '-1')).filter((id) => !acceptedSweeps.has(id))).toEqual([]);
  expect(
    lines(redis.cli('zrange', 'vaecf:datasets', '0', '-1')).filter(
      (id) => id !== dataset && !acceptedDatasets.has(id),
    ),
  ).toEqual([]);
  const jobs = (queue: string) =>
    lines(redis.cli('--scan', '--pattern', `bull:${queue}:*`))
      .map((k) => k.slice(`bull:${queue}:`.length))
      .filter((rest) => /^(sw_[0-9a-f]+-(\d+|final)|dataset-.+)$/.test(rest) && !rest.includes(':'));
  const strayTrials = jobs(stack.queues.VAECF_TRIALS_QUEUE).filter(
    (j) => !acceptedSweeps.has(j.replace(/-(\d+|final)$/, '')),
  );
  // Preparation jobs are dataset-<id>-<generation>.
  const strayPrepares = jobs(stack.queues.VAECF_DATASETS_QUEUE)
    .map((j) => j.slice('dataset-'.length).replace(/-\d+$/, ''))
    .filter((id) => id !== dataset && !acceptedDatasets.has(id));
  expect({ strayTrials, strayPrepares }).toEqual({ strayTrials: [], strayPrepares: [] });
}, 240_000);
