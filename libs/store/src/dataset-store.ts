import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { ReadonlyShape } from './records';
import { failureReason } from './failure-reason';
import { CREATE_DATASET, DELETE_DATASET_GENERATION, UPDATE_DATASET } from './scripts';

export const DATASET_STATES = ['queued', 'preparing', 'ready', 'failed'] as const;
export type DatasetState = (typeof DATASET_STATES)[number];

export const datasetRecordSchema = z.strictObject({
  id: z.string(),
  state: z.enum(DATASET_STATES),
  /*
   * Which registration the record is (a number never handed out twice): the
   * preparation job and every state change carry it, so that work for a
   * deleted or replaced registration of the same id never touches this one.
   */
  generation: z
    .number()
    .int()
    .describe('which registration of the id this is (a replaced or deleted one is never reused)'),
  // A path the workers can read, or a public dataset's reference.
  source: z.string().describe('the ratings file, as registered'),
  // Reasons name it.
  sourceName: z
    .string()
    .optional()
    .describe("the file as the user knows it: the path given, or an upload's `filename`"),
  options: z
    .record(z.string(), z.unknown())
    .describe('preprocessing options as given (format, preset, thresholds...)'),
  stats: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('statistics of the prepared dataset, once ready'),
  error: z
    .string()
    .optional()
    .describe(
      'why it failed (naming the file by sourceName; control characters escaped, at most 500 characters)',
    ),
  createdAt: z.number(),
  updatedAt: z.number(),
});
/** A registered dataset, as the store reads it and the API serves it (schema: the one source of both). */
export type DatasetRecord = ReadonlyShape<z.infer<typeof datasetRecordSchema>>;

export interface Registration {
  readonly generation: number;
  /** The source of the failed registration this one replaced. */
  readonly replacedSource?: string;
}

/**
 *   vaecf:datasets                   ZSET   dataset id, scored by creation time
 *   vaecf:dataset:<id>               HASH   id, generation, state, source, sourceName, options (JSON),
 *                                           stats (JSON), error, createdAt, updatedAt
 *   vaecf:dataset-generations        STRING the last generation handed out (one counter for every id, so a
 *                                           generation is never reused, and nothing is left per deleted id)
 */
const key = (id: string) => `vaecf:dataset:${id}`;
/** Exported for the demo, which removes the counter from a user's Redis when it created it. */
export const DATASET_GENERATIONS_KEY = 'vaecf:dataset-generations';
const GENERATIONS = DATASET_GENERATIONS_KEY;
const ALL = 'vaecf:datasets';

export class DatasetStore {
  constructor(
    private readonly redis: Redis,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Registers a dataset as queued, replacing a failed registration of the
   * id; null if the id exists in any other state.
   */
  async create(
    id: string,
    source: string,
    options: Record<string, unknown>,
    sourceName: string = source,
  ): Promise<Registration | null> {
    const t = this.now();
    const [generation, replaced] = (await CREATE_DATASET.run(
      this.redis,
      [key(id), GENERATIONS, ALL],
      [id, source, JSON.stringify(options), t, sourceName],
    )) as [number, string | null | undefined];
    return generation > 0 ? { generation, replacedSource: replaced ?? undefined } : null;
  }

  async get(id: string): Promise<DatasetRecord | null> {
    const h = await this.redis.hgetall(key(id));
    if (!h.id || !h.state) return null;
    return {
      id: h.id,
      state: h.state as DatasetState,
      generation: Number(h.generation ?? 0),
      source: h.source,
      sourceName: h.sourceName,
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

  /** Moves registration `generation` of `id` to `state`; false (nothing written) if that registration is gone. */
  async setState(
    id: string,
    generation: number,
    state: DatasetState,
    extra: { stats?: Record<string, unknown>; error?: string } = {},
  ): Promise<boolean> {
    const fields: (string | number)[] = ['state', state, 'updatedAt', this.now()];
    if (extra.stats) fields.push('stats', JSON.stringify(extra.stats));
    if (extra.error !== undefined) fields.push('error', await this.reason(id, extra.error));
    return (await UPDATE_DATASET.run(this.redis, [key(id)], [generation, ...fields])) === 1;
  }

  /**
   * A failure reason as stored: the source's copies named as the user knows
   * the file, binary garbage escaped, the length bounded (failure-reason.ts).
   */
  private async reason(id: string, message: string): Promise<string> {
    const [path, name] = await this.redis.hmget(key(id), 'source', 'sourceName');
    return failureReason(message, path ? { path, name: name ?? path } : undefined);
  }

  /** True while registration `generation` of `id` is the current one. */
  async isCurrent(id: string, generation: number): Promise<boolean> {
    return (await this.redis.hget(key(id), 'generation')) === String(generation);
  }

  async delete(id: string): Promise<void> {
    await this.redis.multi().del(key(id)).zrem(ALL, id).exec();
  }

  /** Deletes registration `generation` of `id` only (a newer registration is left alone). */
  async deleteGeneration(id: string, generation: number): Promise<boolean> {
    return (await DELETE_DATASET_GENERATION.run(this.redis, [key(id), ALL], [generation, id])) === 1;
  }
}
