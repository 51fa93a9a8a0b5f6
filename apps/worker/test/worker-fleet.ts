import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { FilesystemArtifactStore } from '@vaecf/artifacts';
import { SweepController, submitSweep, type TrialsQueue } from '@vaecf/orchestration';
import { SweepStore, RedisSweepStore, WorkerRegistry } from '@vaecf/store';
import { parseSweepSpec } from '@vaecf/sweep';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startWorker, WORKER_MAIN, type WorkerProcess } from './processes';
import { syntheticArtifacts } from './synthetic-artifacts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** What a fault test needs: a prepared dataset `ds` on disk, the store, and fleets of real workers. */
export interface WorkerFleetFixture {
  readonly root: string;
  readonly artifacts: FilesystemArtifactStore;
  readonly store: SweepStore;
  readonly redis: Redis;
  /** A queue of its own, workers with short locks so that a dead one is noticed within seconds. */
  fleet(): WorkerFleet;
}

export interface WorkerFleet {
  readonly queue: TrialsQueue;
  start(id: string, extra?: Record<string, string | undefined>): WorkerProcess;
  /** A Mult-VAE 200-50 sweep on `ds` (fixed batch and annealing), its id. */
  submit(
    space: Record<string, unknown>,
    epochs: number | null,
    maxConcurrent: number,
    name?: string,
  ): Promise<string>;
  /** The same sweep with `fixed` added (run settings: engine, threads), and the submit's warnings. */
  submitFixed(
    fixed: Record<string, unknown>,
    space: Record<string, unknown>,
    epochs: number | null,
  ): Promise<{ id: string; warnings: string[] }>;
  /** The same sweep with top-level spec fields added or replaced (limits, search, baselines, checkpoints). */
  submitSpec(
    extra: Record<string, unknown>,
    space: Record<string, unknown>,
    epochs: number | null,
  ): Promise<string>;
  close(): Promise<void>;
}

/**
 * Registers the hooks of a fault-test file (vitest's beforeAll/afterEach/
 * afterAll) and returns its fixture: every worker started is killed after
 * each test, every sweep deleted and the directory removed at the end.
 */
export function useWorkerFleet(name: string): WorkerFleetFixture {
  let root = '';
  let artifacts: FilesystemArtifactStore;
  let redis: Redis;
  let store: SweepStore;
  let workers: WorkerProcess[] = [];
  const sweeps: string[] = [];

  beforeAll(async () => {
    if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run npm run build first`);
    ({ root, artifacts } = await syntheticArtifacts(name, 'ds', {
      users: 1500,
      items: 800,
      seed: 5,
      heldoutUsers: 100,
    }));
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    store = new RedisSweepStore(redis);
  });
  afterEach(() => {
    for (const w of workers) if (w.child.exitCode === null) w.kill9();
    workers = [];
  });
  afterAll(async () => {
    for (const id of sweeps) await store.deleteSweep(id);
    await redis.quit();
    await rm(root, { recursive: true, force: true });
  });

  const fleet = (): WorkerFleet => {
    const queueName = `test-${randomUUID()}`;
    const queue: TrialsQueue = new Queue(queueName, { connection: redis });
    const controller = new SweepController(redis, store, queue);
    const env = {
      REDIS_URL,
      VAECF_ARTIFACTS_DIR: root,
      VAECF_TRIALS_QUEUE: queueName,
      WORKER_LOCK_MS: '3000',
      WORKER_STALLED_CHECK_MS: '1000',
    };
    const submitWith = async (
      fixed: Record<string, unknown>,
      space: Record<string, unknown>,
      epochs: number | null,
      maxConcurrent: number,
      name?: string,
      extra: Record<string, unknown> = {},
    ) => {
      const { id, warnings } = await submitSweep(
        parseSweepSpec({
          ...(name ? { name } : {}),
          dataset: 'ds',
          model: 'vae',
          fixed: {
            dims: [200, 50],
            batchSize: 100,
            totalAnnealSteps: 50,
            ...(epochs ? { epochs } : {}),
            ...fixed,
          },
          space,
          limits: { maxConcurrent },
          ...extra,
        }),
        {
          store,
          controller,
          checkDataset: async () => undefined,
          liveWorkers: () => new WorkerRegistry(redis).live(),
        },
      );
      sweeps.push(id);
      return { id, warnings };
    };
    return {
      queue,
      start(id, extra = {}) {
        const w = startWorker(id, { ...env, ...extra });
        workers.push(w);
        return w;
      },
      async submit(space, epochs, maxConcurrent, name) {
        return (await submitWith({}, space, epochs, maxConcurrent, name)).id;
      },
      submitFixed: (fixed, space, epochs) => submitWith(fixed, space, epochs, 1),
      async submitSpec(extra, space, epochs) {
        return (await submitWith({}, space, epochs, 1, undefined, extra)).id;
      },
      async close() {
        await queue.obliterate({ force: true });
        await queue.close();
      },
    };
  };
  return {
    get root() {
      return root;
    },
    get artifacts() {
      return artifacts;
    },
    get store() {
      return store;
    },
    get redis() {
      return redis;
    },
    fleet,
  };
}
