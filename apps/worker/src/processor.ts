import { WaitingError, type SandboxedJob } from 'bullmq';
import { workerConfig } from './config';
import { createWorkerDeps } from './deps';
import { createJobHandler, type JobLike } from './handlers';

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
  try {
    return await (
      await handler
    )(job, signal);
  } finally {
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
