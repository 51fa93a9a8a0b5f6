import type { SandboxedJob } from 'bullmq';
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

export default async function process(
  job: SandboxedJob,
  _token?: string,
  signal?: AbortSignal,
): Promise<unknown> {
  handler ??= getHandler();
  return (await handler)(job, signal);
}
