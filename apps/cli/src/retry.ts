import { setTimeout as sleepFor } from 'node:timers/promises';
import { ApiUnavailableError } from './errors';

/**
 * How a long-running poll (`sweep watch`) rides out an API that is briefly
 * unavailable: a Redis blip (503 with Retry-After), an API restart
 * (connection refused). Waits are counted per outage, not by the clock, so
 * the bound is what the policy says whatever the requests themselves take.
 */
export interface RetryPolicy {
  /** Most time spent waiting in one outage before giving up (0: never retry). */
  readonly giveUpAfterMs: number;
  /** The first wait without a Retry-After; it doubles at each failure after. */
  readonly firstDelayMs: number;
  /** The longest single wait: also the cap on a server's Retry-After. */
  readonly maxDelayMs: number;
  /** Waits `ms`; false when interrupted (Ctrl-C). Injected by tests to count, not to wait. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<boolean>;
}

export const DEFAULT_RETRY: RetryPolicy = {
  giveUpAfterMs: 120_000,
  firstDelayMs: 500,
  maxDelayMs: 10_000,
  sleep: (ms, signal) => sleepFor(ms, true, { signal }).catch(() => false),
};

/** The wait was interrupted (the signal aborted) while the API was unavailable. */
export class RetryInterrupted extends Error {}

/** One outage's retries gave up: the last error, and how long was waited. */
export class RetryGaveUp extends ApiUnavailableError {
  constructor(
    readonly last: ApiUnavailableError,
    readonly waitedMs: number,
  ) {
    super(last.message);
  }
}

export interface RetryEvents {
  /** Whether this failure is worth waiting out (default: every ApiUnavailableError). */
  retryable?(e: ApiUnavailableError): boolean;
  /** A failed attempt, and the wait before the next. */
  onRetry?(e: ApiUnavailableError, delayMs: number): void;
  /** The first success after failures. */
  onRecovered?(): void;
}

/**
 * Runs `attempt` until it succeeds. An ApiUnavailableError (unreachable, or
 * 502/503/504) is waited out: the server's Retry-After when it sent one,
 * else exponential back-off, each wait at most maxDelayMs and all of them
 * together at most giveUpAfterMs; then RetryGaveUp. Any other error (a 404,
 * a bad request) is thrown at once: retrying cannot change it.
 */
export async function retrying<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy,
  events: RetryEvents = {},
  signal?: AbortSignal,
): Promise<T> {
  let waited = 0;
  for (let failures = 0; ; failures++) {
    try {
      const value = await attempt();
      if (failures > 0) events.onRecovered?.();
      return value;
    } catch (e) {
      if (!(e instanceof ApiUnavailableError) || events.retryable?.(e) === false) throw e;
      const left = policy.giveUpAfterMs - waited;
      if (left <= 0) throw new RetryGaveUp(e, waited);
      const wanted = e.retryAfterMs ?? policy.firstDelayMs * 2 ** failures;
      const delay = Math.min(wanted, policy.maxDelayMs, left);
      events.onRetry?.(e, delay);
      if (!(await policy.sleep(delay, signal))) throw new RetryInterrupted();
      waited += delay;
    }
  }
}
