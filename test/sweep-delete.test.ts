import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHold, type TestHold } from '../apps/worker/test/hold';
import { startWorker, until } from '../apps/worker/test/processes';
import { apiCaller, sweepInState } from './support/api-call';
import { smallRandomSweep } from './support/small-sweep';
import { readyBundled, startStack, type Stack } from './support/stack';

// DELETE /sweeps/:id of a sweep that workers are busy with, through the real API, a real worker
// and Redis: its answer, and that nothing of the sweep is left (records, jobs, artifacts). Trials
// are held open with the test gate (WORKER_TEST_HOLD), never raced against the clock.
let stack: Stack;
let dataset: string;
let redis: Redis;
let queue: Queue;
let hold: TestHold;

const call = apiCaller(() => stack);

beforeAll(async () => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  hold = testHold(redis);
  // No reconciler in the stack's worker: it would finish a failed delete whenever its timer says,
  // racing the test's DELETE again. The reconciler's test starts a worker of its own for that.
  stack = await startStack({ workerEnv: { ...hold.env, WORKER_RECONCILE_MS: '0' } });
  queue = new Queue(stack.queues.VAECF_TRIALS_QUEUE, { connection: redis });
  dataset = `del-${randomUUID().slice(0, 8)}`;
  await readyBundled(stack, dataset, { heldoutUsers: 150 });
});
afterAll(async () => {
  if (process.env.VAECF_TEST_LOGS) console.log(stack.apiLog(), stack.worker.output());
  await call('DELETE', `/datasets/${dataset}`).catch(() => undefined);
  await queue?.close();
  await stack?.stop();
  await hold?.dispose();
  await redis?.quit();
});

const randomSpec = (name: string, trials: number, epochs: number, maxConcurrent = 2) =>
  smallRandomSweep(dataset, { name, trials, epochs, maxConcurrent });

const sweepState = (id: string, states: string[]) => sweepInState(call, id, states);

/** What is left of a sweep anywhere: Redis keys, BullMQ jobs (any state) and its artifact directory. */
async function leftovers(id: string): Promise<{ keys: string[]; jobs: string[]; artifacts: boolean }> {
  const keys: string[] = [];
  for (const pattern of [`vaecf:sweep:{${id}}*`, `bull:${queue.name}:${id}-*`]) {
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  const states = ['active', 'waiting', 'delayed', 'prioritized', 'completed', 'failed', 'paused'] as const;
  const jobs = (await queue.getJobs([...states], 0, -1))
    .filter((j) => j?.id?.startsWith(`${id}-`))
    .map((j) => j.id as string);
  for (const state of ['running', 'finalizing', 'completed', 'failed', 'cancelled'])
    if ((await redis.zscore(`vaecf:sweeps:state:${state}`, id)) !== null) keys.push(`index ${state}`);
  if ((await redis.zscore('vaecf:sweeps', id)) !== null) keys.push('vaecf:sweeps');
  if ((await redis.hexists('vaecf:deletes', id)) === 1) keys.push('vaecf:deletes');
  return { keys, jobs, artifacts: existsSync(sweepDir(id)) };
}

const sweepDir = (id: string) => join(stack.root, 'artifacts', 'sweeps', id);

/** Every file under `dir`. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));

/**
 * Makes one file of the sweep's artifacts impossible to remove, even for root
 * (ext4's immutable attribute), so that the artifact store fails a delete for
 * real; null where chattr cannot (not root, another file system).
 */
function pinArtifacts(id: string): (() => void) | null {
  const file = filesUnder(sweepDir(id))[0]!;
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return () => execFileSync('chattr', ['-i', file], { stdio: 'ignore' });
}

/** Waits for nothing of the sweep to be left (a job its worker still ends goes last), then says what is. */
async function nothingLeft(id: string): Promise<void> {
  const none = (left: Awaited<ReturnType<typeof leftovers>>) =>
    left.keys.length === 0 && left.jobs.length === 0 && !left.artifacts;
  await until(`nothing of sweep ${id} to be left`, async () => none(await leftovers(id)), 30_000).catch(
    () => undefined,
  );
  expect(await leftovers(id)).toEqual({ keys: [], jobs: [], artifacts: false });
}

/** The worker is alive and takes new work: a fresh one-trial sweep completes. */
async function workerTakesNextSweep(): Promise<void> {
  const { body } = await call('POST', '/sweeps', randomSpec(`next-${randomUUID()}`, 1, 1));
  const done = await sweepState(body.id, ['completed', 'failed']);
  expect(done.state).toBe('completed');
  expect((await call('DELETE', `/sweeps/${body.id}`)).status).toBe(204);
  await nothingLeft(body.id);
}

describe('DELETE /sweeps/:id when the artifact store fails', () => {
  /** A completed one-trial sweep whose artifacts cannot be removed; null (skipped) where chattr cannot. */
  async function pinnedSweep(name: string): Promise<{ id: string; unpin: () => void } | null> {
    const { body } = await call('POST', '/sweeps', randomSpec(name, 1, 1, 1));
    expect((await sweepState(body.id, ['completed', 'failed'])).state).toBe('completed');
    const unpin = pinArtifacts(body.id);
    if (!unpin) console.warn('skipped: chattr +i is not available here (needs root on ext4 or alike)');
    return unpin && { id: body.id as string, unpin };
  }

  const refusedDelete = async (id: string) => {
    const r = await call('DELETE', `/sweeps/${id}`);
    expect(r.status, JSON.stringify(r.body)).toBe(503);
    expect(r.body.message).toMatch(
      new RegExp(
        `^sweep "${id}" is deleted, but its artifacts could not be removed .*; DELETE /sweeps/${id} again`,
      ),
    );
    expect(r.headers.get('retry-after')).not.toBeNull();
  };

  it('answers 503 with the records gone and the delete noted; a DELETE again finishes it', async () => {
    const pinned = await pinnedSweep(`delete-pinned-${randomUUID()}`);
    if (!pinned) return;
    const { id, unpin } = pinned;
    try {
      await refusedDelete(id);
      expect((await call('GET', `/sweeps/${id}`)).status).toBe(404);
      expect(await leftovers(id)).toEqual({ keys: ['vaecf:deletes'], jobs: [], artifacts: true });
      await refusedDelete(id); // still failing: the same answer, not a 404
    } finally {
      unpin();
    }
    expect((await call('DELETE', `/sweeps/${id}`)).status).toBe(204);
    await nothingLeft(id);
    expect((await call('DELETE', `/sweeps/${id}`)).status).toBe(404);
  }, 300_000);

  it("is finished by a worker's reconciler once the store works again, with no DELETE again", async () => {
    const pinned = await pinnedSweep(`delete-reconciled-${randomUUID()}`);
    if (!pinned) return;
    try {
      await refusedDelete(pinned.id);
    } finally {
      pinned.unpin();
    }
    expect(await leftovers(pinned.id)).toEqual({ keys: ['vaecf:deletes'], jobs: [], artifacts: true });
    // A worker on the stack's queue and artifact store: its reconciler's first pass (at start) finishes it.
    const reconciling = startWorker(`reconciler-${randomUUID().slice(0, 8)}`, {
      ...stack.queues,
      ...stack.artifactsEnv,
      VAECF_CACHE_DIR: join(stack.root, 'cache-reconciler'),
      // Short leases, so that its sweep-up of a finished delete comes within seconds.
      WORKER_LOCK_MS: '1000',
      WORKER_STALLED_CHECK_MS: '500',
      WORKER_RECONCILE_MS: '250',
    });
    try {
      await until('the reconciler to finish the delete', async () =>
        reconciling.output().includes(`finished the delete of sweep ${pinned.id}`),
      );
      await nothingLeft(pinned.id);
      // A trial process that was writing a checkpoint when the delete ran and died before it could
      // clean up (its worker killed with it) leaves a file no record names: the sweep-up, once
      // every writer's lease has lapsed (3 x WORKER_LOCK_MS), removes it.
      expect(reconciling.output()).toContain(
        "a deleted sweep's artifacts are swept up once more 3 s after its delete (3 x WORKER_LOCK_MS)",
      );
      const late = join(sweepDir(pinned.id), 'trials', '0', '7');
      mkdirSync(late, { recursive: true });
      writeFileSync(join(late, 'state-late.bin'), Buffer.alloc(64));
      await until('the sweep-up', async () =>
        reconciling.output().includes(`swept up the artifacts of deleted sweep ${pinned.id} once more`),
      );
      await nothingLeft(pinned.id);
    } finally {
      await reconciling.terminate();
    }
  }, 300_000);
});

describe('DELETE /sweeps/:id of a sweep workers are busy with', () => {
  it('deletes a resumed and extended sweep while a worker holds one of its trials: 204, nothing left', async () => {
    const name = `delete-resumed-${randomUUID()}`;
    await hold.holdAfter(name, 1); // trial 0 records epoch 1, then waits; trial 1 waits in the queue
    const { body: created } = await call('POST', '/sweeps', randomSpec(name, 2, 4));
    const id = created.id as string;
    await hold.waiting(id, 0);
    expect((await call('POST', `/sweeps/${id}/cancel`)).status).toBe(200);
    await hold.holdAfter(name, 2); // trial 0 goes on to epoch 2's record, sees the cancel, and stops
    await until('every trial to end', async () => {
      const ts = (await call('GET', `/sweeps/${id}/trials`)).body as { state: string }[];
      return ts.length === 2 && ts.every((t) => t.state === 'cancelled');
    });
    const resumed = await until('resume to be accepted', async () => {
      const r = await call('POST', `/sweeps/${id}/resume`);
      return r.status === 200 ? r.body : null; // 409 while trial 0 is still stopping
    });
    expect(resumed.state).toBe('running');
    const held = await hold.waiting(id, 0); // resumed from its epoch-2 checkpoint, held after epoch 3
    expect(held.epoch).toBe(3);
    const extended = await call('POST', `/sweeps/${id}/extend`, { trials: 1 });
    expect(extended.status).toBe(200);
    expect(extended.body).toMatchObject({ state: 'running', planned: 3 });

    const deleted = await call('DELETE', `/sweeps/${id}`);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
    expect((await call('GET', `/sweeps/${id}`)).status).toBe(404);
    await hold.release(name);
    await workerTakesNextSweep();
    await nothingLeft(id);
    expect(stack.apiLog()).not.toMatch(/Internal Server Error|api: Error/);
  }, 300_000);

  it('deletes a sweep while a checkpoint of its trial is being written: what the writer adds is removed too', async () => {
    const name = `delete-checkpointing-${randomUUID()}`;
    // Epoch 2's checkpoint waits before its first file, in the background while epoch 3 trains.
    await hold.holdCheckpointsAfter(name, 1);
    const { body: created } = await call('POST', '/sweeps', randomSpec(name, 1, 4, 1));
    const id = created.id as string;
    expect((await hold.checkpointWaiting(id, 0)).epoch).toBe(2);
    const deleted = await call('DELETE', `/sweeps/${id}`);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
    // The checkpoint goes on after the delete removed the sweep's directory: it writes its files
    // there again, and the trial, finding its sweep gone, removes them.
    await hold.releaseCheckpoints(name);
    await workerTakesNextSweep();
    await nothingLeft(id);
  }, 300_000);

  it('answers two DELETEs of the same running sweep at once each clearly, and leaves nothing', async () => {
    const name = `delete-twice-${randomUUID()}`;
    await hold.holdAfter(name, 1);
    const { body: created } = await call('POST', '/sweeps', randomSpec(name, 3, 4));
    const id = created.id as string;
    await hold.waiting(id, 0);
    const answers = await Promise.all([call('DELETE', `/sweeps/${id}`), call('DELETE', `/sweeps/${id}`)]);
    for (const a of answers) {
      expect([204, 404], JSON.stringify(a.body)).toContain(a.status);
      if (a.status === 404) expect(a.body.message).toBe(`sweep "${id}" not found`);
    }
    expect(answers.map((a) => a.status)).toContain(204);
    expect((await call('DELETE', `/sweeps/${id}`)).status).toBe(404);
    await hold.release(name);
    await workerTakesNextSweep();
    await nothingLeft(id);
    expect(stack.apiLog()).not.toMatch(/Internal Server Error|api: Error/);
  }, 300_000);
});
