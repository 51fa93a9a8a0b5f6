import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHold, type TestHold } from '../apps/worker/test/hold';
import { until } from '../apps/worker/test/processes';
import { apiCaller, sweepInState } from './support/api-call';
import { smallRandomSweep } from './support/small-sweep';
import { readyBundled, startStack, type Stack } from './support/stack';

// Extend, cancel, resume, export and list through the real API, with a real worker and Redis.
let stack: Stack;
let dataset: string;
let redis: Redis;
/** Holds a sweep open after an epoch (WORKER_TEST_HOLD): a cancel never races the sweep's end. */
let hold: TestHold;

const call = apiCaller(() => stack);

const sweepState = (id: string, states: string[]) => sweepInState(call, id, states);

beforeAll(async () => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  hold = testHold(redis);
  stack = await startStack({ workerEnv: hold.env });
  dataset = `life-${randomUUID().slice(0, 8)}`;
  await readyBundled(stack, dataset, { heldoutUsers: 150 });
});
afterAll(async () => {
  if (process.env.VAECF_TEST_LOGS) console.log(stack.apiLog(), stack.worker.output());
  await stack?.stop();
  await hold?.dispose();
  await redis?.quit();
});

const randomSpec = (trials: number, epochs: number) => smallRandomSweep(dataset, { trials, epochs });

describe('sweep lifecycle through the API', () => {
  it("refuses a sweep on a dataset whose prepared files are not in this deployment's artifacts", async () => {
    const orphan = `${dataset}-orphan`;
    await readyBundled(stack, orphan, { heldoutUsers: 150 });
    // As if it was prepared under another VAECF_ARTIFACTS_DIR (or its volume was lost).
    await rm(join(stack.root, 'artifacts', 'datasets', orphan), { recursive: true, force: true });
    const refused = await call('POST', '/sweeps', { ...randomSpec(1, 1), dataset: orphan });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe(
      `invalid sweep spec: dataset: dataset "${orphan}" is registered, but its prepared files are not in the artifact store (filesystem ${join(stack.root, 'artifacts')}); delete and register it again`,
    );
    expect((await call('DELETE', `/datasets/${orphan}`)).status).toBe(204);
  });

  it('extends a completed sweep: new trials see the old ones, and it is finalized again', async () => {
    const { body: created } = await call('POST', '/sweeps', randomSpec(2, 1));
    const done = await sweepState(created.id, ['completed']);
    expect(done.planned).toBe(2);
    const extended = await call('POST', `/sweeps/${created.id}/extend`, { trials: 2 });
    expect(extended.status).toBe(200);
    expect(extended.body).toMatchObject({ state: 'running', planned: 4 });
    expect(extended.body.events).toEqual([expect.objectContaining({ action: 'extended', trials: 2 })]);
    const again = await sweepState(created.id, ['completed']);
    expect(again.trials.completed).toBe(4);
    expect(again.test.ndcg100).toBeGreaterThan(0);
    const trials = (await call('GET', `/sweeps/${created.id}/trials?sort=no`)).body;
    // The random stream goes on where it stopped: trials 2 and 3 are new points.
    expect(new Set(trials.map((t: { params: { lr: number } }) => t.params.lr)).size).toBe(4);
    expect(again.bestTrial).toBe(again.best.trial);
    // Which hyperparameter matters: lr is the only one searched, so it takes all of it.
    const importance = await call('GET', `/sweeps/${created.id}/importance`);
    expect(importance.body).toEqual({
      method: 'ped-anova',
      metric: 'ndcg100',
      trials: 4,
      needed: 3,
      insufficient: false,
      importance: { lr: 1 },
    });

    // Refusals name the reason.
    expect((await call('POST', `/sweeps/${created.id}/extend`, { trials: 0 })).status).toBe(400);
    expect((await call('POST', `/sweeps/${created.id}/resume`)).body.message).toMatch(
      /is completed; only a cancelled sweep can be resumed \(extend it to run more trials\)/,
    );
    expect((await call('POST', '/sweeps/sw_nope/extend', { trials: 1 })).status).toBe(404);
  });

  it('resumes a cancelled sweep; a cancelled trial is never reported as the best', async () => {
    const name = `resume-${randomUUID()}`;
    await hold.holdAfter(name, 1); // trial 0 records epoch 1, then waits: cancelled mid-trial on any machine
    const { body: created } = await call('POST', '/sweeps', { ...randomSpec(3, 4), name });
    const id = created.id as string;
    await hold.waiting(id, 0);
    expect((await call('POST', `/sweeps/${id}/cancel`)).status).toBe(200);
    await hold.release(name);
    const cancelled = await sweepState(id, ['cancelled']);
    await until('every trial to end', async () => {
      const ts = (await call('GET', `/sweeps/${id}/trials`)).body as { state: string }[];
      return ts.every((t) => t.state === 'cancelled' || t.state === 'completed');
    });
    const after = (await call('GET', `/sweeps/${id}`)).body;
    expect(after.best).toBeNull(); // trial 0 ran epochs, but was cut short
    expect(cancelled.state).toBe('cancelled');

    const resumed = await until('resume to be accepted', async () => {
      const r = await call('POST', `/sweeps/${id}/resume`);
      return r.status === 200 ? r.body : null; // 409 while a trial is still stopping
    });
    expect(resumed.state).toBe('running');
    const done = await sweepState(id, ['completed']);
    expect(done.trials.completed).toBe(3);
    expect(done.events.map((e: { action: string }) => e.action)).toEqual(['cancelled', 'resumed']);
    const history = (await call('GET', `/sweeps/${id}/trials/0`)).body.history as { epoch: number }[];
    expect(history.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
  });

  it('exports the trials as CSV and pages the sweep list', async () => {
    const { body: created } = await call('POST', '/sweeps', randomSpec(2, 1));
    await sweepState(created.id, ['completed']);
    const csv = await call('GET', `/sweeps/${created.id}/trials.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = parse(csv.body as string, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.no)).toEqual(['0', '1']);
    expect(Object.keys(rows[0])).toEqual(
      expect.arrayContaining(['state', 'epochs_run', 'best', 'latest_ndcg100', 'lr', 'dims', 'model']),
    );
    expect(JSON.parse(rows[0].dims)).toEqual([16, 8]);

    const page = (await call('GET', '/sweeps?limit=2&offset=0')).body;
    expect(page.sweeps).toHaveLength(2);
    expect(page.total).toBeGreaterThanOrEqual(3);
    expect(page.sweeps[0].id).toBe(created.id); // newest first
    const next = (await call('GET', '/sweeps?limit=2&offset=2')).body;
    expect(next.sweeps.map((s: { id: string }) => s.id)).not.toContain(created.id);
    expect((await call('GET', '/sweeps?limit=1000')).body.message).toMatch(/^limit: /);
  });
});
