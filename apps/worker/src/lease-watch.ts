import type { TrialFence } from '@vaecf/store';

/** What the trial's owner looks like in Redis right now (SweepStore.trialOwnership). */
export interface Ownership {
  readonly attempt: number;
  readonly owner: string;
  /** The BullMQ job lock is still the one this process's job was given. */
  readonly lockHeld: boolean;
}

/**
 * The trial process no longer holds its trial: the trial changed hands, or
 * its ownership could not be confirmed for longer than the job lock lasts
 * (a partition, a long pause), so another worker may hold it. Such a process
 * writes nothing more, and neither hands the job back nor fails it: the job
 * is the new owner's.
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(
    readonly fence: TrialFence,
    why: string,
  ) {
    super(
      `trial ${fence.sweepId}:${fence.trialNo}: attempt ${fence.attempt} (${fence.owner}) lost its lease: ${why}`,
    );
  }
}

export interface LeaseWatch {
  /** Aborts (reason: a LeaseLostError) when the lease is lost; the trainer stops at its next minibatch. */
  readonly signal: AbortSignal;
  stop(): void;
}

/**
 * Watches, from the trial process, that its worker still owns the trial:
 * every `lockMs / 4` it asks Redis (`probe`, given as long to answer) whether
 * the trial's attempt is still the fence's and the job lock still its own.
 * It aborts when either changed, or when no answer confirmed ownership for
 * longer than `lockMs`: the lock itself lasts that long without renewal, so
 * past it another worker may have taken the job even though nobody could
 * tell us. A process paused past `lockMs` (SIGSTOP, a swapped-out host)
 * aborts at its first tick after waking, before asking anything.
 */
export function watchLease(opts: {
  readonly fence: TrialFence;
  readonly lockMs: number;
  readonly probe: () => Promise<Ownership>;
  readonly now?: () => number;
}): LeaseWatch {
  const { fence, lockMs, probe } = opts;
  const now = opts.now ?? Date.now;
  const every = Math.max(50, Math.floor(lockMs / 4));
  const lost = new AbortController();
  let confirmedAt = now();
  let asking = false;
  const lose = (why: string) => {
    if (!lost.signal.aborted) lost.abort(new LeaseLostError(fence, why));
  };
  const ask = async () => {
    const askedAt = now();
    asking = true;
    try {
      const o = await withTimeout(probe(), every);
      if (o.attempt !== fence.attempt)
        lose(`the trial is now attempt ${o.attempt} of ${o.owner || 'nobody'}`);
      else if (!o.lockHeld) lose('its job lock is gone or held by another worker');
      // Confirmed as of when it was asked, not when the answer came.
      else confirmedAt = Math.max(confirmedAt, askedAt);
    } catch {
      // Unknown: Redis did not answer in time. The clock below decides.
    } finally {
      asking = false;
    }
  };
  const tick = () => {
    const unconfirmed = now() - confirmedAt;
    if (unconfirmed > lockMs) return lose(`ownership unconfirmed for ${unconfirmed} ms (lock ${lockMs} ms)`);
    if (!asking) void ask();
  };
  const timer = setInterval(tick, every);
  timer.unref();
  lost.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  return {
    signal: lost.signal,
    stop: () => clearInterval(timer),
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}
