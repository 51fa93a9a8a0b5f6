import type { Redis } from 'ioredis';
import { keys, WORKER_TTL_SECONDS } from './keys';

/** One live worker as it announces itself (where its /metrics is, for service discovery). */
export interface WorkerEntry {
  readonly id: string;
  /** host:port of its /metrics and /health, or null when it serves none. */
  readonly metrics: string | null;
  /** The engine its trials use unless a sweep fixes one (its VAECF_ENGINE, or what `auto` chose). */
  readonly backend: string;
  /**
   * The engines it can load (probed at its start): it runs only trials whose
   * fixed engine is among them. Older entries have none.
   */
  readonly engines?: readonly string[];
  /** The trials queue it takes jobs from: its deployment (older entries have none). */
  readonly queue?: string;
  readonly pid: number;
  readonly startedAt: number;
  /** Past this time (ms) without a heartbeat the entry is stale: its worker is gone. */
  readonly expiresAt: number;
}

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
