import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemArtifactStore } from '@vaecf/artifacts';
import { randomUUID } from 'node:crypto';
import { StateConflictError } from '@vaecf/errors';
import { RedisSweepStore, type SweepStore } from '@vaecf/store';
import { parseSweepSpec, plannedTrials } from '@vaecf/sweep';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelSweep } from '../src/cancel';
import { SweepController, type TrialsQueue } from '../src/controller';
import { deleteSweep } from '../src/delete';
import { jobIds } from '../src/jobs';
import { resumeSweep } from '../src/reopen';
import { connect, REDIS_URL } from './redis';

let redis: Redis;
let store: SweepStore;

beforeAll(() => {
  redis = connect();
  store = new RedisSweepStore(redis);
});
afterAll(async () => {
  await redis.quit();
});

describe('resumeSweep', () => {
  it("answers 409 while a worker still holds a cancelled trial's job, and resumes once it let go", async () => {
    const queue: TrialsQueue = new Queue(`test-${randomUUID()}`, { connection: redis });
    // A worker that takes trial 0's job and holds it until told to let go (a trial stopping at
    // the end of its epoch after the cancel).
    let letGo!: () => void;
    const released = new Promise<void>((r) => (letGo = r));
    let took!: () => void;
    const taken = new Promise<void>((r) => (took = r));
    const worker = new Worker(
      queue.name,
      async () => {
        took();
        await released;
        return 'cancelled';
      },
      { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), autorun: false },
    );
    const controller = new SweepController(redis, store, queue);
    const spec = parseSweepSpec({
      dataset: 'ds',
      model: 'vae',
      space: { lr: { type: 'loguniform', low: 1e-3, high: 1e-2 } },
      search: { method: 'random', trials: 1, seed: 1 },
    });
    const { id } = await store.createSweep(spec, plannedTrials(spec), undefined, queue.name);
    try {
      await controller.advance(id);
      void worker.run();
      await taken;
      expect(await cancelSweep(id, { store, queue })).toBe(true);
      await store.finishTrial(id, 0, 'cancelled', 'sweep cancelled'); // as the worker's trial does
      const refused = resumeSweep(id, { store, controller, queue });
      await expect(refused).rejects.toBeInstanceOf(StateConflictError);
      await expect(refused).rejects.toThrow(
        `trial 0 of sweep "${id}" is still stopping; try again in a moment`,
      );
      expect((await store.getSweep(id))!.state).toBe('cancelled'); // nothing changed
      const completed = new Promise((r) => worker.once('completed', r));
      letGo();
      await completed;
      expect(await queue.getJobState(jobIds.trial(id, 0))).toBe('completed');
      const resumed = await resumeSweep(id, { store, controller, queue });
      expect(resumed!.state).toBe('running');
      expect((await store.getTrial(id, 0))!.state).toBe('queued');
    } finally {
      letGo();
      await worker.close();
      // A sweep with no artifacts: the store's root is an empty directory of its own.
      const artifacts = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'vaecf-reopen-')));
      await deleteSweep(id, { store, controller, queue, artifacts });
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
