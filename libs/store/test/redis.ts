import { Redis } from 'ioredis';

/** Tests meet a real Redis: REDIS_URL, or the local default that .ci/run makes sure of. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function connect(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
}
