#!/usr/bin/env node
import { join } from 'node:path';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { workerConfig } from './config';
import { createWorkerDeps } from './deps';

/**
 * A worker process: one BullMQ worker on the trials queue whose jobs run in
 * forked child processes (processor.ts). On SIGTERM/SIGINT it aborts the
 * running trials at the next minibatch (they are checkpointed at every epoch
 * and handed back to the queue), closes, and exits.
 */
async function main(): Promise<void> {
  const config = workerConfig();
  const deps = await createWorkerDeps(config);
  const log = (msg: string) =>
    process.stdout.write(`${new Date().toISOString()} worker ${config.WORKER_ID}: ${msg}\n`);
  log(
    `backend ${deps.backend}, queue ${config.VAECF_TRIALS_QUEUE}, concurrency ${config.WORKER_CONCURRENCY}, artifacts ${config.VAECF_ARTIFACTS_DIR}`,
  );

  const worker = new Worker(config.VAECF_TRIALS_QUEUE, join(__dirname, 'processor.js'), {
    connection: new Redis(config.REDIS_URL, { maxRetriesPerRequest: null }),
    concurrency: config.WORKER_CONCURRENCY,
    useWorkerThreads: false,
    lockDuration: config.WORKER_LOCK_MS,
    stalledInterval: config.WORKER_STALLED_CHECK_MS,
    maxStalledCount: 5,
  });
  worker.on('active', (job: Job) => log(`started ${job.name} ${job.id} (attempt ${job.attemptsMade + 1})`));
  worker.on('completed', (job: Job, result: unknown) =>
    log(`finished ${job.name} ${job.id}: ${String(result)}`),
  );
  worker.on('failed', (job: Job | undefined, err: Error) => {
    if (!job) return;
    log(`${job.name} ${job.id} failed (attempt ${job.attemptsMade}): ${err.message}`);
    void onFinalFailure(job, err).catch((e: Error) =>
      log(`could not record the failure of ${job.id}: ${e.message}`),
    );
  });
  worker.on('error', (err) => log(`error: ${err.message}`));

  /** A trial job out of attempts ends as failed, and its sweep moves on. */
  async function onFinalFailure(job: Job, err: Error): Promise<void> {
    if (job.name !== 'trial' || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    const { sweepId, trialNo } = job.data as { sweepId: string; trialNo: number };
    await deps.store.finishTrial(sweepId, trialNo, 'failed', err.message);
    await deps.controller.advance(sweepId);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: handing running trials back and closing`);
    worker.cancelAllJobs('worker shutting down');
    await worker.close();
    await deps.close();
    log('closed');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  log('ready');
}

main().catch((e: Error) => {
  process.stderr.write(`worker: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
