import { FencedWriteError, type TrialFence } from '@vaecf/store';
import { DelayedError, WaitingError, type SandboxedJob } from 'bullmq';
import { requestRecycle } from './child-recycling';
import { workerConfig } from './config';
import { createWorkerDeps } from './deps';
import { createJobHandler, type JobLike } from './handlers';
import { LeaseLostError, watchLease } from './lease-watch';
import { watchParent } from './parent-watch';
import { EngineHandBackError, HandedBackError } from './trial-runner';
import { HANDED_BACK_PROGRESS } from './hand-back';

/** The BullMQ lock of a job: its key and the token this process was given it with. */
type JobLock = { key: string; token: string } | undefined;

/**
 * The sandboxed processor: BullMQ forks a child process that loads this file
 * and calls it for each job. Training is CPU-bound; in a child it never
 * blocks the parent's event loop, which keeps renewing the job locks (so a
 * long epoch is not mistaken for a stalled job). The child builds its own
 * connections and dataset cache once and keeps them across jobs.
 */
let handler: Promise<(job: JobLike, signal?: AbortSignal, lock?: JobLock) => Promise<unknown>> | null = null;

async function getHandler() {
  // Silent about Redis outages: the worker process reports each one once, for all its processes.
  const deps = await createWorkerDeps(workerConfig(), (redis) => redis.on('error', () => undefined));
  const lockMs = workerConfig().WORKER_LOCK_MS;
  return (job: JobLike, signal?: AbortSignal, lock?: JobLock) => {
    // The lease watcher of this job's trial (lease-watch.ts): the trial's attempt and the job's
    // lock, which the worker process renews with this job's token, checked in Redis.
    const lease = (fence: TrialFence) =>
      watchLease({ fence, lockMs, probe: () => deps.store.trialOwnership(fence, lock) });
    return createJobHandler(deps, signal, lease)(job);
  };
}

function lockOf(job: SandboxedJob, token: string | undefined): JobLock {
  return token ? { key: `${job.queueQualifiedName}:${job.id}:lock`, token } : undefined;
}

/**
 * A child dies with its worker: once the worker is gone nobody renews this
 * child's job lock, so another worker may already run the same trial. It
 * exits at once, busy or idle, and so writes nothing more: a checkpoint it
 * was writing sits under its own attempt, which the trial's record never
 * points at, and a fenced record write either landed whole or not at all.
 * (Waiting for the trainer to stop at its next minibatch was the design
 * until the engine steps became asynchronous: a busy orphan was then seen
 * spinning after its IPC channel closed, with its job never settling.)
 */
const orphaned = watchParent(() => globalThis.process.exit(0));

export default async function process(
  job: SandboxedJob,
  token?: string,
  signal?: AbortSignal,
): Promise<unknown> {
  handler ??= getHandler();
  try {
    const stop = signal ? AbortSignal.any([signal, orphaned]) : orphaned;
    return await (
      await handler
    )(job, stop, lockOf(job, token));
  } catch (e) {
    // The trial changed hands: the job is its new owner's. It is neither handed back nor failed
    // (a move with a lock that is no longer ours would be refused by BullMQ anyway), and the
    // worker process is told nothing happened to it (WaitingError: no attempt spent).
    if (e instanceof LeaseLostError || e instanceof FencedWriteError) {
      globalThis.process.stdout.write(`${e.message}; this process writes nothing more to it\n`);
      throw new WaitingError();
    }
    // A trial handed back at shutdown is not a failure: back to waiting, attemptsMade unchanged,
    // so rolling restarts never use up a trial's attempts. An orphan hands nothing back: its
    // worker is gone and the lock will lapse, after which another worker takes the job.
    if (e instanceof HandedBackError && !orphaned.aborted) {
      await job.moveToWait(token);
      throw new WaitingError();
    }
    // A trial whose fixed engine this worker cannot load was never claimed: it goes back, delayed
    // so that workers that cannot load it do not pass it around in a tight loop, with its
    // attempts unspent; a worker that can load it takes it at the latest after the delay.
    if (e instanceof EngineHandBackError && !orphaned.aborted) {
      globalThis.process.stdout.write(`${e.message}\n`);
      // BullMQ tells the worker process nothing of a delayed job: this progress event does (its busy gauge).
      await job.updateProgress(HANDED_BACK_PROGRESS);
      await job.moveToDelayed(Date.now() + workerConfig().WORKER_ENGINE_HANDBACK_MS, token);
      throw new DelayedError();
    }
    throw e;
  } finally {
    if (orphaned.aborted) globalThis.process.exit(0);
    recycleIfLarge();
  }
}

/**
 * A child reused across many trials can keep growing (the wasm heap never
 * shrinks, datasets stay cached). Past WORKER_CHILD_MAX_RSS_MB it asks the
 * worker process to end it once this job's result is in (child-recycling.ts);
 * BullMQ's pool forks a fresh child for the next job. It never exits by
 * itself: the pool could have handed it the next job meanwhile.
 */
function recycleIfLarge(): void {
  const rssMb = globalThis.process.memoryUsage().rss / 2 ** 20;
  const limit = workerConfig().WORKER_CHILD_MAX_RSS_MB;
  if (rssMb <= limit) return;
  globalThis.process.stdout.write(
    `trial process ${globalThis.process.pid}: RSS ${rssMb.toFixed(0)} MB > ${limit} MB, recycling\n`,
  );
  requestRecycle();
}
