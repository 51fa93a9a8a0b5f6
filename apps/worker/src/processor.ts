import { WaitingError, type SandboxedJob } from 'bullmq';
import { workerConfig } from './config';
import { createWorkerDeps } from './deps';
import { createJobHandler, type JobLike } from './handlers';
import { watchParent } from './parent-watch';
import { HandedBackError } from './trial-runner';

/**
 * The sandboxed processor: BullMQ forks a child process that loads this file
 * and calls it for each job. Training is CPU-bound; in a child it never
 * blocks the parent's event loop, which keeps renewing the job locks (so a
 * long epoch is not mistaken for a stalled job). The child builds its own
 * connections and dataset cache once and keeps them across jobs.
 */
let handler: Promise<(job: JobLike, signal?: AbortSignal) => Promise<unknown>> | null = null;

async function getHandler() {
  const deps = await createWorkerDeps(workerConfig());
  return (job: JobLike, signal?: AbortSignal) => createJobHandler(deps, signal)(job);
}

/** Set once this child has decided to exit; a job given to it meanwhile goes back to the queue untouched. */
let recycling = false;
let running = 0;

/**
 * A child dies with its worker: once the worker is gone nobody renews this
 * child's job lock, so another worker may already run the same trial in the
 * same checkpoint directory. An idle child exits at once; a busy one aborts
 * its trial at the next minibatch and exits without writing anything more.
 */
const orphaned = watchParent(() => {
  if (running === 0) globalThis.process.exit(0);
});

export default async function process(
  job: SandboxedJob,
  token?: string,
  signal?: AbortSignal,
): Promise<unknown> {
  if (recycling) {
    // Back to waiting without spending an attempt; a fresh child takes it.
    await job.moveToWait(token);
    throw new WaitingError();
  }
  handler ??= getHandler();
  running++;
  try {
    const stop = signal ? AbortSignal.any([signal, orphaned]) : orphaned;
    return await (
      await handler
    )(job, stop);
  } catch (e) {
    // A trial handed back at shutdown is not a failure: back to waiting, attemptsMade unchanged,
    // so rolling restarts never use up a trial's attempts. An orphan hands nothing back: its
    // worker is gone and the lock will lapse, after which another worker takes the job.
    if (e instanceof HandedBackError && !orphaned.aborted) {
      await job.moveToWait(token);
      throw new WaitingError();
    }
    throw e;
  } finally {
    running--;
    if (orphaned.aborted) globalThis.process.exit(0);
    recycleIfLarge();
  }
}

/**
 * A child reused across many trials can keep growing (the wasm heap never
 * shrinks, datasets stay cached). Past WORKER_CHILD_MAX_RSS_MB it exits once
 * its result is on its way; BullMQ's pool forks a fresh child for the next
 * job. A job handed to it in those few milliseconds is put back unstarted.
 */
function recycleIfLarge(): void {
  const rssMb = globalThis.process.memoryUsage().rss / 2 ** 20;
  const limit = workerConfig().WORKER_CHILD_MAX_RSS_MB;
  if (rssMb <= limit) return;
  recycling = true;
  globalThis.process.stdout.write(
    `trial process ${globalThis.process.pid}: RSS ${rssMb.toFixed(0)} MB > ${limit} MB, recycling\n`,
  );
  setTimeout(() => globalThis.process.exit(0), 50);
}
