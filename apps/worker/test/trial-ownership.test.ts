import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { deleteSweep, jobIds, SweepController, type TrialsQueue } from '@vaecf/orchestration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHold, type TestHold } from './hold';
import { until } from './processes';
import { useWorkerFleet } from './worker-fleet';

/**
 * Who a trial belongs to, as the record, the epochs and the logs say it, and
 * what a worker does with a trial whose sweep is deleted under it. Every
 * moment is pinned with the test hold (WORKER_TEST_HOLD), not the clock.
 */
const fx = useWorkerFleet('ownership');
let hold: TestHold;
beforeAll(() => {
  hold = testHold(fx.redis);
});
afterAll(() => hold.dispose());

const ended = (id: string) =>
  until('the sweep to end', async () => {
    const s = await fx.store.getSweep(id);
    return s && ['completed', 'failed', 'cancelled'].includes(s.state) ? s : null;
  });

/** As DELETE /sweeps/:id does: cancel, the records and the jobs no worker holds, then the artifacts. */
async function apiDelete(id: string, queue: TrialsQueue): Promise<void> {
  const controller = new SweepController(fx.redis, fx.store, queue);
  expect(await deleteSweep(id, { store: fx.store, controller, queue, artifacts: fx.artifacts })).toBe(true);
}

/** What BullMQ's event stream of the queue says of one job, in order. */
async function jobEvents(queue: string, jobId: string): Promise<Record<string, string | undefined>[]> {
  const entries = await fx.redis.xrange(`bull:${queue}:events`, '-', '+');
  return entries
    .map(([, fields]) => {
      const e: Record<string, string> = {};
      for (let k = 0; k < fields.length; k += 2) e[fields[k]] = fields[k + 1];
      return e;
    })
    .filter((e) => e.jobId === jobId);
}

describe('trial ownership', () => {
  it("records the worker's own id (the default one too) and logs the record's attempt, not BullMQ's", async () => {
    const f = fx.fleet();
    const name = `ownership-${Date.now()}`;
    await hold.holdAfter(name, 1);
    // No WORKER_ID: the worker's default, `<host>-<pid of the worker process>`.
    const a = f.start('unused', { ...hold.env, WORKER_ID: undefined });
    const aId = `${hostname()}-${a.child.pid}`;
    const id = await f.submit({ lr: { type: 'choice', values: [1e-3] } }, 3, 1, name);
    expect(await hold.waiting(id, 0)).toEqual({ trialNo: 0, epoch: 2, worker: aId });
    expect(await a.terminate()).toBe(0); // handed back: no BullMQ attempt spent, the next claim is attempt 2
    await hold.release(name);
    const b = f.start('B', hold.env);
    expect((await ended(id)).state).toBe('completed');

    const trial = (await fx.store.getTrial(id, 0))!;
    expect({ attempt: trial.attempt, owner: trial.owner }).toEqual({ attempt: 2, owner: 'B' });
    const history = await fx.store.history<{ epoch: number; worker: string }>(id, 0);
    expect(history.map((e) => [e.epoch, e.worker])).toEqual([
      [1, aId],
      [2, aId],
      [3, 'B'],
    ]);
    expect(a.output()).toContain(`trial ${id}:0: attempt 1 claimed by ${aId}\n`);
    expect(b.output()).toContain(`trial ${id}:0: attempt 2 claimed by B\n`);
    // BullMQ's count (1 for both: a hand-back spends none) is no longer logged as "attempt".
    for (const w of [a, b]) expect(w.output()).not.toMatch(/\(attempt \d+\)/);
    await f.close();
  }, 240_000);

  it('a running sweep deleted (as DELETE /sweeps/:id does) frees its worker at the epoch in hand', async () => {
    const f = fx.fleet();
    const name = `deleted-${Date.now()}`;
    await hold.holdAfter(name, 1);
    const w = f.start('D', hold.env);
    const id = await f.submit({ lr: { type: 'choice', values: [1e-3] } }, 30, 1, name);
    expect((await hold.waiting(id, 0)).epoch).toBe(2); // epoch 1 recorded and checkpointed
    await apiDelete(id, f.queue);
    await hold.release(name);
    // The ended job of the deleted sweep leaves the queue too (the worker removes it).
    await until('the trial job to end and go', async () => !(await f.queue.getJob(jobIds.trial(id, 0))));
    // Ended at epoch 2's first write: not trained on to epoch 30, nothing checkpointed for the
    // deleted sweep, no progress reported past epoch 1 (as the queue's event stream tells).
    const events = (await jobEvents(f.queue.name, jobIds.trial(id, 0))).filter(
      (e) => e.event === 'progress' || e.event === 'completed',
    );
    expect(events.at(-1)).toMatchObject({ event: 'completed', returnvalue: '"cancelled"' });
    expect(events.filter((e) => e.event === 'progress').map((e) => JSON.parse(e.data!).epoch)).toEqual([1]);
    expect(await fx.artifacts.listCheckpoints(id)).toEqual([]);
    expect(w.output()).toContain(`finished trial ${id}-0: cancelled`);
    await f.close();
  }, 240_000);

  it('a sweep deleted while a checkpoint of its trial is being written keeps nothing of it: the trial removes it', async () => {
    const f = fx.fleet();
    const name = `deleted-checkpointing-${Date.now()}`;
    // Epoch 2's checkpoint waits before its first file, in the background while epoch 3 trains.
    await hold.holdCheckpointsAfter(name, 1);
    const w = f.start('E', hold.env);
    const id = await f.submit({ lr: { type: 'choice', values: [1e-3] } }, 30, 1, name);
    expect((await hold.checkpointWaiting(id, 0)).epoch).toBe(2);
    await apiDelete(id, f.queue); // epoch 1's checkpoint goes
    // Epoch 2's is written after the delete, into the directory it makes again; the trial, done
    // writing and finding its sweep gone, removes the sweep's artifacts.
    await hold.releaseCheckpoints(name);
    await until('the trial to end', async () => w.output().includes(`finished trial ${id}-0: cancelled`));
    expect(existsSync(join(fx.root, 'sweeps', id))).toBe(false);
    await f.close();
  }, 240_000);
});
