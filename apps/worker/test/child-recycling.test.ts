import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RecyclingWorker } from '../src/child-recycling';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PROCESSOR = resolve(__dirname, 'fixtures/recycle-every-job.js');
const JOBS = 40;

describe('RecyclingWorker, with real child processes and a real Redis', () => {
  const name = `test-recycle-${randomUUID()}`;
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await connection.quit();
  });

  it('never hands a job to a child that asked to be recycled: every job completes on its first attempt', async () => {
    expect(existsSync(resolve(__dirname, '../dist/child-recycling.js'))).toBe(true); // npm run build first
    // Queued before the worker starts, so each job is fetched the moment the previous one ends:
    // the moment a child that exited by itself could still be handed the next one.
    await queue.addBulk(Array.from({ length: JOBS }, (_, i) => ({ name: 'j', data: { i } })));
    const worker = new RecyclingWorker(name, PROCESSOR, {
      connection: connection.duplicate(),
      concurrency: 2,
    });
    const failures: string[] = [];
    let completed = 0;
    const finished = new Promise<void>((r) => {
      const check = () => completed + failures.length === JOBS && r();
      worker.on('completed', () => (completed++, check()));
      worker.on('failed', (job, err) => (failures.push(`${job?.id}: ${err.message}`), check()));
    });
    await finished;
    await worker.close();

    expect(failures).toEqual([]);
    const done = await queue.getJobs(['completed']);
    expect(done).toHaveLength(JOBS);
    expect(done.map((j) => j.attemptsMade)).toEqual(Array(JOBS).fill(1));
    // Every child ran exactly one job: each was ended after it, none reused.
    expect(new Set(done.map((j) => j.returnvalue as number)).size).toBe(JOBS);
  });
});
