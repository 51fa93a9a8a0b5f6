import type { Redis } from 'ioredis';

/** Seconds a client is told to wait (Retry-After) when Redis does not answer. */
export const REDIS_RETRY_AFTER_SECONDS = 5;

/**
 * The messages of ioredis and BullMQ when a command cannot reach Redis:
 * refused because the connection is down (the offline queue is off, see
 * infra.module.ts), timed out, or cut while in flight.
 */
const UNAVAILABLE = [
  /enableOfflineQueue options is false/,
  /Stream isn't writeable/,
  /Command timed out/,
  /Connection is closed/,
  /Reached the max retries per request limit/,
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE/,
];

/** Whether an error means "Redis is unreachable right now" rather than a bug. */
export function isRedisUnavailable(e: unknown, redis: Redis): boolean {
  if (!(e instanceof Error)) return false;
  if (UNAVAILABLE.some((r) => r.test(e.message))) return true;
  // Anything failing while the connection is not ready is most likely that outage too.
  return redis.status !== 'ready';
}
