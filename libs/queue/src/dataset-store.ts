import type { DatasetStats } from '@vaecf/cf';
import { SpecError } from '@vaecf/sweep';
import type { DatasetShape } from './spec-checks';
import type { Redis } from 'ioredis';

export const DATASET_STATES = ['queued', 'preparing', 'ready', 'failed'] as const;
export type DatasetState = (typeof DATASET_STATES)[number];

export interface DatasetRecord {
  readonly id: string;
  readonly state: DatasetState;
  /** The ratings file, as registered (a path the workers can read). */
  readonly source: string;
  /** Preprocessing options as given (format, preset, thresholds...). */
  readonly options: Record<string, unknown>;
  readonly stats?: Record<string, unknown>;
  readonly error?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 *   vaecf:datasets        ZSET  dataset id, scored by creation time
 *   vaecf:dataset:<id>    HASH  id, state, source, options (JSON), stats (JSON), error, createdAt, updatedAt
 */
const key = (id: string) => `vaecf:dataset:${id}`;
const ALL = 'vaecf:datasets';

export class DatasetStore {
  constructor(
    private readonly redis: Redis,
    private readonly now: () => number = Date.now,
  ) {}

  /** Registers a dataset as queued; false if the id exists already. */
  async create(id: string, source: string, options: Record<string, unknown>): Promise<boolean> {
    const t = this.now();
    const created = await this.redis.hsetnx(key(id), 'id', id);
    if (!created) return false;
    await this.redis
      .multi()
      .hset(key(id), {
        state: 'queued',
        source,
        options: JSON.stringify(options),
        createdAt: t,
        updatedAt: t,
      })
      .zadd(ALL, t, id)
      .exec();
    return true;
  }

  async get(id: string): Promise<DatasetRecord | null> {
    const h = await this.redis.hgetall(key(id));
    if (!h.id || !h.state) return null;
    return {
      id: h.id,
      state: h.state as DatasetState,
      source: h.source,
      options: JSON.parse(h.options ?? '{}') as Record<string, unknown>,
      stats: h.stats ? (JSON.parse(h.stats) as Record<string, unknown>) : undefined,
      error: h.error,
      createdAt: Number(h.createdAt),
      updatedAt: Number(h.updatedAt),
    };
  }

  async list(limit = 100): Promise<string[]> {
    return this.redis.zrevrange(ALL, 0, limit - 1);
  }

  async setState(
    id: string,
    state: DatasetState,
    extra: { stats?: Record<string, unknown>; error?: string } = {},
  ): Promise<void> {
    const fields: Record<string, string | number> = { state, updatedAt: this.now() };
    if (extra.stats) fields.stats = JSON.stringify(extra.stats);
    if (extra.error !== undefined) fields.error = extra.error;
    await this.redis.hset(key(id), fields);
  }

  async delete(id: string): Promise<void> {
    await this.redis.multi().del(key(id)).zrem(ALL, id).exec();
  }
}

/** A sweep names a dataset that is unknown or not prepared: a spec problem in the `dataset` field. */
export class DatasetNotReadyError extends SpecError {
  constructor(id: string, state: DatasetState | 'unknown') {
    super('dataset', `dataset "${id}" is ${state === 'unknown' ? 'not registered' : `${state}, not ready`}`);
  }
}

/** The `checkDataset` of submitSweep: refuses an unknown or unprepared dataset, else returns its shape. */
export function requireReadyDataset(
  datasets: DatasetStore,
): (id: string) => Promise<DatasetShape | undefined> {
  return async (id) => {
    const d = await datasets.get(id);
    if (d?.state !== 'ready') throw new DatasetNotReadyError(id, d?.state ?? 'unknown');
    const stats = d.stats as Partial<DatasetStats> | undefined;
    if (!stats?.items || !stats.users) return undefined;
    return {
      items: stats.items,
      trainUsers: stats.users.train,
      evalUsers: Math.max(stats.users.validation, stats.users.test),
    };
  };
}
