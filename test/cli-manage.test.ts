import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../apps/cli/test/run-cli';
import { testHold, type TestHold } from '../apps/worker/test/hold';
import { startWorker, until, type WorkerProcess } from '../apps/worker/test/processes';
import { startStack, type Stack } from './support/stack';
import { checkedFetch } from './support/openapi-check';
import { expectProxiedAnswersChecked, startCheckingProxy, type CheckingProxy } from './support/openapi-proxy';

// TPE on two workers, then list, extend, importance, export, cancel/resume and model download,
// all through the built `vaecf` against the real API, workers and Redis.
let stack: Stack;
/** Every answer the built CLI gets passes through it and is checked against docs/openapi.json. */
let proxy: CheckingProxy;
/** The answers this file's CLI runs get at the least (the sweep, its trials, the export...). */
const MIN_ANSWERS = 20;
let second: WorkerProcess;
let redis: Redis;
/** Holds the cancel test's sweep open after its first epoch (WORKER_TEST_HOLD), whatever the machine's speed. */
let hold: TestHold;
/** Datasets are one namespace in Redis: a name of this run's own. */
const DS = `manage-${Date.now().toString(36)}`;

const vaecf = (args: string[]) => runCli(args, { VAECF_API_URL: proxy.url, VAECF_API_TOKEN: stack.token });
const json = async (args: string[]) => {
  const r = await vaecf([...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

beforeAll(async () => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  hold = testHold(redis);
  stack = await startStack({ workerEnv: hold.env });
  proxy = await startCheckingProxy(stack.base);
  second = startWorker(`manage-2-${Date.now()}`, {
    ...hold.env,
    ...stack.queues,
    VAECF_ARTIFACTS_DIR: join(stack.root, 'artifacts'),
  });
  await json(['datasets', 'add', DS, 'ratings.csv.gz', '--format', 'movielens-csv']);
  await until('the dataset', async () => {
    const list = await json(['datasets', 'list']);
    return list.datasets.some((d: { id: string; state: string }) => d.id === DS && d.state === 'ready');
  });
}, 120_000);
afterAll(async () => {
  second?.kill9();
  await checkedFetch(`${stack.base}/datasets/${DS}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${stack.token}` },
  });
  await proxy?.close();
  await stack?.stop();
  await hold?.dispose();
  await redis?.quit();
});

describe('vaecf sweep list/extend/importance/export/resume and model download', () => {
  it('runs a TPE sweep on two workers, extends it, and exports what it found', async () => {
    const spec = join(stack.root, 'tpe.yaml');
    await writeFile(
      spec,
      [
        `dataset: ${DS}`,
        'model: vae',
        'fixed: { dims: [32, 8], batchSize: 200, epochs: 2, totalAnnealSteps: 20 }',
        'space:',
        '  lr: { type: loguniform, low: 0.0003, high: 0.03 }',
        '  keepProb: { type: uniform, low: 0.3, high: 0.9 }',
        'search: { method: tpe, trials: 6, nStartup: 3, seed: 4 }',
        'limits: { maxConcurrent: 2 }',
      ].join('\n'),
    );
    const submitted = await json(['sweep', 'submit', spec, '--watch']);
    const id = submitted.sweep?.id ?? submitted.id;
    expect(id).toMatch(/^sw_/);
    const shown = await json(['sweep', 'show', id]);
    expect(shown.sweep.state).toBe('completed');
    expect(shown.sweep.trials.completed).toBe(6);
    // Both workers trained trials.
    const workers = new Set(shown.trials.map((t: { worker: string }) => t.worker));
    expect(workers.size).toBe(2);

    const list = await json(['sweep', 'list', '--state', 'completed', '--limit', '5']);
    expect(list.sweeps.map((s: { id: string }) => s.id)).toContain(id);
    expect((await vaecf(['sweep', 'list', '--state', 'sleeping'])).code).toBe(2);

    const extended = await json(['sweep', 'extend', id, '--trials', '2']);
    expect(extended.sweep.planned).toBe(8);
    await until(
      'the extended sweep',
      async () => (await json(['sweep', 'show', id])).sweep.state === 'completed',
    );

    const importance = await json(['sweep', 'importance', id]);
    expect(importance.trials).toBe(8);
    expect(Object.keys(importance.importance).sort()).toEqual(['keepProb', 'lr']);
    expect(importance.importance.lr + importance.importance.keepProb).toBeCloseTo(1, 9);
    const table = await vaecf(['sweep', 'importance', id]);
    expect(table.stdout).toMatch(/from 8 completed trials, by NDCG@100 \(ped-anova\)/);

    const csv = await vaecf(['sweep', 'export', id, '--format', 'csv']);
    const rows = parse(csv.stdout, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => Number(r.no))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const out = join(stack.root, 'trials.json');
    await json(['sweep', 'export', id, '--format', 'json', '--out', out]);
    expect(JSON.parse(await readFile(out, 'utf8'))).toHaveLength(8);

    const npz = join(stack.root, 'best.npz');
    const downloaded = await json(['model', 'download', id, '--format', 'npz', '--out', npz]);
    expect(downloaded.bytes).toBeGreaterThan(1000);
    expect((await readFile(npz)).subarray(0, 2).toString()).toBe('PK'); // a zip of .npy files
    expect((await vaecf(['model', 'download', 'sw_nope', '--out', npz])).code).toBe(2);
  }, 300_000);

  it('cancels and resumes a sweep from the CLI', async () => {
    const spec = join(stack.root, 'long.yaml');
    const name = `cancel-${Date.now()}`;
    await writeFile(
      spec,
      `name: ${name}\ndataset: ${DS}\nmodel: dae\nfixed: { dims: [16], batchSize: 50, epochs: 3 }\n` +
        'space: { lr: { type: choice, values: [0.001, 0.002] } }\nlimits: { maxConcurrent: 2 }\n',
    );
    // Its trials record epoch 1 and wait: the sweep is running when the cancel comes, on any machine.
    await hold.holdAfter(name, 1);
    const { sweep } = await json(['sweep', 'submit', spec]);
    await hold.waiting(sweep.id);
    await json(['sweep', 'cancel', sweep.id]);
    await hold.release(name);
    const resumed = await until('resume to be accepted', async () => {
      const r = await vaecf(['sweep', 'resume', sweep.id, '--json']);
      return r.code === 0 ? JSON.parse(r.stdout) : null; // refused (exit 2) while a trial is still stopping
    });
    expect(resumed.sweep.state).toBe('running');
    await until(
      'the resumed sweep',
      async () => (await json(['sweep', 'show', sweep.id])).sweep.state === 'completed',
    );
    const refused = await vaecf(['sweep', 'resume', sweep.id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/only a cancelled sweep can be resumed/);
  }, 300_000);
});

expectProxiedAnswersChecked(() => proxy, MIN_ANSWERS);
