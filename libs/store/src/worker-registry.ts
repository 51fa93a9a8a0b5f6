import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { ReadonlyShape } from './records';
import { keys, WORKER_TTL_SECONDS } from './keys';

/**
 * One live worker as it announces itself (where its /metrics is, for service
 * discovery). Not strict, unlike the other records: the API lists entries as
 * the workers wrote them, and during a rolling upgrade a worker of another
 * version shares the hash (older ones lack `engines` and `queue`, a newer one
 * may announce a field this version does not know).
 */
export const workerEntrySchema = z.object({
  id: z.string(),
  // The description on the string, not on the nullable: zod writes a bare nullable string as
  // `type: [string, null]`, which Nest's document builder reads as an array of strings at a DTO's top level.
  metrics: z
    .string()
    .describe('host:port of its /metrics and /health, or null when it serves none')
    .nullable(),
  // Its VAECF_ENGINE, or what `auto` chose.
  backend: z.string().describe('the engine of trials whose sweep fixes none'),
  // Probed at its start. Older entries have none.
  engines: z
    .array(z.string())
    .optional()
    .describe('the engines it can load: it runs only trials whose fixed engine is one'),
  // Its deployment (older entries have none).
  queue: z.string().optional().describe('the trials queue it takes jobs from'),
  pid: z.number().int(),
  startedAt: z.number(),
  // Past it, its worker is gone.
  expiresAt: z.number().describe('the entry is stale past this time (ms) without a heartbeat'),
});
export type WorkerEntry = ReadonlyShape<z.infer<typeof workerEntrySchema>>;

/**
 * The hash of live workers (`vaecf:workers`). Redis 7.0 has no per-field
 * expiry, so each entry carries its own expiry, refreshed by a heartbeat;
 * readers skip and remove stale entries, a clean shutdown removes its own,
 * and the whole hash expires when no worker has beaten for a TTL.
 */
export class WorkerRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly now: () => number = Date.now,
  ) {}

  async heartbeat(entry: Omit<WorkerEntry, 'expiresAt'>): Promise<void> {
    const value: WorkerEntry = { ...entry, expiresAt: this.now() + WORKER_TTL_SECONDS * 1000 };
    await this.redis
      .multi()
      .hset(keys.workers, entry.id, JSON.stringify(value))
      .expire(keys.workers, WORKER_TTL_SECONDS)
      .exec();
  }

  async remove(id: string): Promise<void> {
    await this.redis.hdel(keys.workers, id);
  }

  /** Live workers, by id; stale entries are dropped on the way. */
  async live(): Promise<WorkerEntry[]> {
    const all = await this.redis.hgetall(keys.workers);
    const now = this.now();
    const live: WorkerEntry[] = [];
    const stale: string[] = [];
    for (const [id, json] of Object.entries(all)) {
      const e = JSON.parse(json) as WorkerEntry;
      if (e.expiresAt > now) live.push(e);
      else stale.push(id);
    }
    if (stale.length) await this.redis.hdel(keys.workers, ...stale);
    return live.sort((a, b) => a.id.localeCompare(b.id));
  }
}
