import { Worker, type ChildPool, type Processor } from 'bullmq';

/** The IPC message a sandboxed child sends when it wants to be replaced by a fresh one. */
export const RECYCLE_MESSAGE = 'vaecf:recycle';

/**
 * In a sandboxed child: ask the worker process to end this child once the
 * result of its current job is in. Sent before the result (one ordered IPC
 * channel), so the worker knows before it would hand the child another job.
 * The child itself never exits for this: a child that exits on its own can
 * be handed the next job by BullMQ's pool in between (the job then fails
 * with "Unexpected exit code", spending an attempt, and the unawaited send of
 * that job to the dead child is an unhandled EPIPE that kills the worker).
 */
export function requestRecycle(): void {
  process.send?.({ cmd: RECYCLE_MESSAGE });
}

type PoolChild = Awaited<ReturnType<ChildPool['retain']>>;

/**
 * Makes `pool` end (SIGTERM: BullMQ's child exits once idle) a child that
 * asked to be recycled when its job releases it, instead of putting it back
 * among the free children. Release is the only way back into the free list,
 * and BullMQ's sandbox calls it right after the job's result, so no job is
 * ever handed to a child that is about to exit.
 */
export function recycleOnRelease(pool: ChildPool): void {
  const watched = new WeakSet<PoolChild>();
  const doomed = new WeakSet<PoolChild>();
  const retain = pool.retain.bind(pool);
  const release = pool.release.bind(pool);
  pool.retain = async (processFile: string) => {
    const child = await retain(processFile);
    if (!watched.has(child)) {
      watched.add(child);
      child.on('message', (msg: { cmd?: unknown } | null) => {
        if (msg?.cmd === RECYCLE_MESSAGE) doomed.add(child);
      });
    }
    return child;
  };
  pool.release = (child: PoolChild) => {
    if (!doomed.has(child)) return release(child);
    // kill() takes it out of the pool first, synchronously; the exit itself may take a moment.
    pool
      .kill(child, 'SIGTERM')
      .catch((e: Error) => console.error(`could not end child ${child.pid}: ${e.message}`));
  };
}

/** A BullMQ worker whose sandboxed children can ask to be recycled (requestRecycle). */
export class RecyclingWorker extends Worker {
  protected override createSandbox(processor: string | URL | null | Processor): void {
    // BullMQ creates the pool of a file processor just before this; a function processor has none.
    const pool = (this as unknown as { childPool?: ChildPool }).childPool;
    if (pool) recycleOnRelease(pool);
    super.createSandbox(processor);
  }
}
