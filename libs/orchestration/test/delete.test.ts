import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemArtifactStore } from '@vaecf/artifacts';
import { RedisSweepStore, type SweepStore } from '@vaecf/store';
import { parseSweepSpec, plannedTrials } from '@vaecf/sweep';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cancelSweep } from '../src/cancel';
import { SweepController, type TrialsQueue } from '../src/controller';
import {
  ArtifactsNotRemovedError,
  deleteSweep,
  finishPendingDeletes,
  type SweepArtifacts,
} from '../src/delete';
import { resumeSweep } from '../src/reopen';
import { connect } from './redis';

// DELETE's use case against what else acts on a sweep at the same moment: a controller pass
// placing trials (an extend's, a resume's, a worker's at a trial's end) and a resume. Each
// moment is pinned with a gate in the store the other party uses, never with the clock.
let redis: Redis;
let store: SweepStore;
let queue: TrialsQueue;
let artifactsRoot: string;
let artifacts: FilesystemArtifactStore;

beforeAll(() => {
  redis = connect();
  store = new RedisSweepStore(redis);
  artifactsRoot = mkdtempSync(join(tmpdir(), 'vaecf-delete-'));
  artifacts = new FilesystemArtifactStore(artifactsRoot);
});
afterAll(async () => {
  await redis.quit();
  rmSync(artifactsRoot, { recursive: true, force: true });
});
beforeEach(() => {
  queue = new Queue(`test-${randomUUID()}`, { connection: redis });
});
afterEach(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
});

const spec = parseSweepSpec({
  dataset: 'ds',
  model: 'vae',
  space: { lr: { type: 'loguniform', low: 1e-3, high: 1e-2 } },
  search: { method: 'random', trials: 3, seed: 1 },
  limits: { maxConcurrent: 3 },
});

async function newSweep(): Promise<string> {
  return (await store.createSweep(spec, plannedTrials(spec), undefined, queue.name)).id;
}

/** Every key of the sweep in Redis (records, index entries) and every job of it in the queue. */
async function leftovers(id: string): Promise<string[]> {
  const left = [
    ...(await redis.keys(`vaecf:sweep:{${id}}*`)),
    ...(await redis.keys(`bull:${queue.name}:${id}-*`)),
  ];
  for (const state of ['running', 'finalizing', 'completed', 'failed', 'cancelled'])
    if ((await redis.zscore(`vaecf:sweeps:state:${state}`, id)) !== null) left.push(`index ${state}`);
  if ((await redis.zscore('vaecf:sweeps', id)) !== null) left.push('vaecf:sweeps');
  if ((await redis.hexists('vaecf:deletes', id)) === 1) left.push('vaecf:deletes');
  if ((await artifacts.getSweepResult(id, 'kept.json')) !== null) left.push('artifacts');
  return left;
}

/** A sweep with an artifact of its own (a stored result), so that its delete has something to remove. */
async function sweepWithArtifacts(): Promise<string> {
  const id = await newSweep();
  await artifacts.putSweepResult(id, 'kept.json', new TextEncoder().encode('{}'));
  return id;
}

/** The real artifact store, its deleteSweep failing `times` times first (a disk or S3 that fails). */
function failingArtifacts(times: number): SweepArtifacts & { calls: number } {
  return {
    calls: 0,
    async deleteSweep(sweepId: string) {
      if (++this.calls <= times) throw new Error('EIO: i/o error (injected)');
      await artifacts.deleteSweep(sweepId);
    },
  };
}

/** A gate: `reached` resolves when the guarded call arrives, which then waits for `open()`. */
function gate() {
  let arrive!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((r) => (arrive = r));
  const opened = new Promise<void>((r) => (open = r));
  return { reached, open, pass: async () => (arrive(), opened) };
}

/** The store, with `method`'s first call held at `g` (before it runs, or after with `after`). */
function gatedStore(method: keyof SweepStore, g: ReturnType<typeof gate>, after = false): SweepStore {
  let first = true;
  return new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== method || typeof v !== 'function') return typeof v === 'function' ? v.bind(target) : v;
      return async (...args: unknown[]) => {
        const held = first;
        first = false;
        if (held && !after) await g.pass();
        const r: unknown = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (held && after) await g.pass();
        return r;
      };
    },
  });
}

describe('deleteSweep', () => {
  it('waits for a controller pass placing trials, so that the pass recreates nothing it removed', async () => {
    const id = await newSweep();
    const placing = gate();
    // An extend's pass: it has claimed trial number 0 and is about to create the trial.
    const pass = new SweepController(redis, gatedStore('createTrial', placing), queue).advance(id);
    await placing.reached;
    // The delete's controller, seen asking for the sweep's lock (held by the pass).
    let asked!: () => void;
    const askedForLock = new Promise<void>((r) => (asked = r));
    const watched = new Proxy(redis, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop === 'set')
          return (...args: unknown[]) => {
            if (args[0] === `vaecf:sweep:{${id}}:lock`) asked();
            return (target.set as (...a: unknown[]) => unknown)(...args);
          };
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const deleting = deleteSweep(id, {
      store,
      controller: new SweepController(watched, store, queue),
      queue,
      artifacts,
    });
    // Whichever comes first: the delete waiting on the lock, or (were it not to wait) done.
    await Promise.race([askedForLock, deleting]);
    placing.open();
    await pass;
    expect(await deleting).toBe(true);
    expect(await leftovers(id)).toEqual([]);
    expect(await store.getSweep(id)).toBeNull();
  });

  it('leaves nothing of a sweep a resume is putting back meanwhile: the resume is refused, then finds no sweep', async () => {
    const id = await newSweep();
    const controller = new SweepController(redis, store, queue);
    await controller.advance(id); // trials 0-2 queued, their jobs waiting
    expect(await cancelSweep(id, { store, queue })).toBe(true);
    const before = gate();
    // The resume has put the cancelled trials back to queued and is about to reopen the sweep.
    const refused = resumeSweep(id, { store: gatedStore('reopenSweep', before), controller, queue });
    await before.reached;
    expect(await deleteSweep(id, { store, controller, queue, artifacts })).toBe(true);
    before.open();
    await expect(refused).rejects.toThrow(`sweep "${id}" changed meanwhile; try again`);
    expect(await leftovers(id)).toEqual([]);

    // Reopened already, about to place trials: the delete comes first, the resume's pass finds nothing.
    const id2 = await newSweep();
    await controller.advance(id2);
    expect(await cancelSweep(id2, { store, queue })).toBe(true);
    const after = gate();
    const resumed = resumeSweep(id2, { store: gatedStore('reopenSweep', after, true), controller, queue });
    await after.reached;
    expect(await deleteSweep(id2, { store, controller, queue, artifacts })).toBe(true);
    after.open();
    expect(await resumed).toBeNull(); // the API's 404
    expect(await leftovers(id2)).toEqual([]);
  });

  it('answers true to one of two deletes at once (false, or true where it helped finish), and removes every job no worker holds', async () => {
    const id = await sweepWithArtifacts();
    const controller = new SweepController(redis, store, queue);
    await controller.advance(id);
    expect((await queue.getJobCounts('waiting')).waiting).toBe(3);
    const answers = await Promise.all([
      deleteSweep(id, { store, controller, queue, artifacts }),
      deleteSweep(id, { store, controller, queue, artifacts }),
    ]);
    expect(answers).toContain(true);
    expect(await deleteSweep(id, { store, controller, queue, artifacts })).toBe(false);
    expect(await leftovers(id)).toEqual([]);
    expect(await queue.getJobCounts('waiting', 'completed', 'failed', 'delayed')).toMatchObject({
      waiting: 0,
      completed: 0,
      failed: 0,
      delayed: 0,
    });
  });

  it('keeps a delete whose artifacts fail noted (records gone, 503 upstream): a delete again finishes it', async () => {
    const id = await sweepWithArtifacts();
    const controller = new SweepController(redis, store, queue);
    await controller.advance(id);
    const failing = failingArtifacts(2);
    const first = deleteSweep(id, { store, controller, queue, artifacts: failing });
    await expect(first).rejects.toThrow(ArtifactsNotRemovedError);
    await expect(first).rejects.toThrow(
      `sweep "${id}" is deleted, but its artifacts could not be removed yet`,
    );
    // The records and the jobs are gone; the artifacts and the note that they are left are not.
    expect(await store.getSweep(id)).toBeNull();
    expect((await queue.getJobCounts('waiting')).waiting).toBe(0);
    expect(await leftovers(id)).toEqual(['vaecf:deletes', 'artifacts']);
    // Still failing: the same answer, nothing lost.
    await expect(deleteSweep(id, { store, controller, queue, artifacts: failing })).rejects.toThrow(
      ArtifactsNotRemovedError,
    );
    expect(await leftovers(id)).toEqual(['vaecf:deletes', 'artifacts']);
    // The store is back: the retried delete finishes, and only then is the sweep unknown.
    expect(await deleteSweep(id, { store, controller, queue, artifacts: failing })).toBe(true);
    expect(failing.calls).toBe(3);
    expect(await leftovers(id)).toEqual([]);
    expect(await deleteSweep(id, { store, controller, queue, artifacts })).toBe(false);
  });

  it("finishes its own queue's pending deletes, not another deployment's, and reports those still failing", async () => {
    const controller = new SweepController(redis, store, queue);
    const [mine, failingMine] = [await sweepWithArtifacts(), await sweepWithArtifacts()];
    for (const id of [mine, failingMine]) {
      await controller.advance(id);
      await expect(
        deleteSweep(id, { store, controller, queue, artifacts: failingArtifacts(1) }),
      ).rejects.toThrow(ArtifactsNotRemovedError);
    }
    // Another deployment on the same Redis: its own queue, its own artifact store.
    const theirs = randomUUID();
    await store.deleteSweep(theirs, { trials: 2, queue: `other-${randomUUID()}` });

    const flaky: SweepArtifacts = {
      deleteSweep: (sweepId) =>
        sweepId === failingMine
          ? Promise.reject(new Error('EIO (injected)'))
          : artifacts.deleteSweep(sweepId),
    };
    const pass = await finishPendingDeletes({ store, queue, artifacts: flaky });
    expect(pass.finished).toContain(mine);
    expect(pass.finished).not.toContain(theirs);
    expect(pass.failed.map((e) => e.sweepId)).toEqual([failingMine]);
    expect(await leftovers(mine)).toEqual([]);
    expect(await leftovers(failingMine)).toEqual(['vaecf:deletes', 'artifacts']);
    expect(await store.pendingDelete(theirs)).toMatchObject({ trials: 2 });

    const next = await finishPendingDeletes({ store, queue, artifacts });
    expect(next).toMatchObject({ finished: [failingMine], failed: [] });
    expect(await leftovers(failingMine)).toEqual([]);
    await store.deleteFinished(theirs);
    for (const id of [mine, failingMine, theirs]) await store.forgetFinishedDelete(id);
  });

  it('sweeps up, once writers have lost their leases, the files a dying writer added after the delete finished', async () => {
    const controller = new SweepController(redis, store, queue);
    const id = await sweepWithArtifacts();
    await controller.advance(id);
    expect(await deleteSweep(id, { store, controller, queue, artifacts })).toBe(true);
    expect(await leftovers(id)).toEqual([]);
    const finishedAt = (await store.finishedDeletes()).find((d) => d.id === id)!.at;
    // A trial process that was writing a checkpoint when the delete ran, and died before it could
    // find the sweep gone: its file lands after the removal, and no record names it.
    await artifacts.putSweepResult(id, 'kept.json', new TextEncoder().encode('{"late": true}'));
    expect(await leftovers(id)).toEqual(['artifacts']);
    // Another deployment's finished delete (its own queue and artifact store) is not this one's to sweep.
    const theirs = randomUUID();
    await store.deleteSweep(theirs, { trials: 1, queue: `other-${randomUUID()}` });
    await store.deleteFinished(theirs);
    const timing = (msAfter: number) => ({ afterMs: 60_000, now: () => finishedAt + msAfter });

    const early = await finishPendingDeletes({ store, queue, artifacts }, timing(59_999));
    expect(early.sweptUp).toEqual([]);
    expect(await leftovers(id)).toEqual(['artifacts']); // a writer may still be busy: not yet
    const never = await finishPendingDeletes({ store, queue, artifacts }); // no timing: never
    expect(never.sweptUp).toEqual([]);

    const failing = failingArtifacts(1);
    const refused = await finishPendingDeletes({ store, queue, artifacts: failing }, timing(60_000));
    expect(refused.sweptUp).toEqual([]);
    expect(refused.failed.map((e) => e.sweepId)).toEqual([id]);
    expect((await store.finishedDeletes()).map((d) => d.id)).toContain(id); // kept for the next pass

    const due = await finishPendingDeletes({ store, queue, artifacts }, timing(60_000));
    expect(due).toMatchObject({ finished: [], sweptUp: [id], failed: [] });
    expect(await leftovers(id)).toEqual([]);
    const left = (await store.finishedDeletes()).map((d) => d.id);
    expect(left).not.toContain(id);
    expect(left).toContain(theirs);
    await store.forgetFinishedDelete(theirs);
  });
});
