import type { WorkerOptions } from 'bullmq';

/** The settings of the job lock and of the stalled-job check (WORKER_LOCK_MS, WORKER_STALLED_CHECK_MS). */
export interface TakeoverSettings {
  readonly WORKER_LOCK_MS: number;
  readonly WORKER_STALLED_CHECK_MS: number;
}

/**
 * How BullMQ notices a dead worker. The live worker renews its job lock
 * every lockMs/2 (a renewal also takes the job off the `stalled` set); a
 * stalled check (one per interval across all workers) first moves the jobs
 * it marked last time whose lock has lapsed back to waiting, then marks every
 * active job. A worker dies at t: its lock lapses between t + lockMs/2 and
 * t + lockMs, the job was marked by a check since the last renewal (the
 * check runs at least once per lockMs/2, see the refinement in config.ts), and
 * the first check after the lapse hands it over. So the takeover comes
 * between lockMs/2 and lockMs + stalledMs after the death: 10-30 s with the
 * defaults (20 s, 10 s). The old defaults (30 s, 30 s) gave up to 60 s, plus
 * the next free worker.
 */
export function takeoverOptions(
  c: TakeoverSettings,
): Pick<WorkerOptions, 'lockDuration' | 'lockRenewTime' | 'stalledInterval' | 'maxStalledCount'> {
  return {
    lockDuration: c.WORKER_LOCK_MS,
    lockRenewTime: Math.floor(c.WORKER_LOCK_MS / 2),
    stalledInterval: c.WORKER_STALLED_CHECK_MS,
    // A trial whose worker died this many times (an out-of-memory kill each time) fails.
    maxStalledCount: 5,
  };
}

/** The earliest and latest takeover after a worker's death (ms), as documented in the README. */
export function takeoverWindowMs(c: TakeoverSettings): readonly [number, number] {
  return [Math.floor(c.WORKER_LOCK_MS / 2), c.WORKER_LOCK_MS + c.WORKER_STALLED_CHECK_MS];
}
