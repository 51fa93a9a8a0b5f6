import { existsSync } from 'node:fs';
import type { FilesystemArtifactStore } from '@vaecf/artifacts';
import { submitSweep, type TrialsQueue } from '@vaecf/orchestration';
import type { SweepStore, WorkerRegistry } from '@vaecf/store';
import { parseSweepSpec } from '@vaecf/sweep';
import type { Redis } from 'ioredis';
import { afterEach, beforeAll } from 'vitest';
import { REDIS_URL, useCoreBed } from '../../../test/support/core-bed';
import { startWorker, WORKER_MAIN, type WorkerProcess } from './processes';

/** What a fault test needs: a prepared dataset `ds` on disk, the store, and fleets of real workers. */
export interface WorkerFleetFixture {
  readonly root: string;
  readonly artifacts: FilesystemArtifactStore;
  readonly store: SweepStore;
  readonly registry: WorkerRegistry;
  readonly redis: Redis;
  /** A core on queues of its own (trials and datasets), workers with short locks so that a dead one is noticed within seconds. */
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
  let workers: WorkerProcess[] = [];
  beforeAll(() => {
    if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run npm run build first`);
  });
  const bed = useCoreBed({
    dataset: { name, id: 'ds', ratings: { users: 1500, items: 800, seed: 5, heldoutUsers: 100 } },
  });
  afterEach(() => {
    for (const w of workers) if (w.child.exitCode === null) w.kill9();
    workers = [];
  });

  const fleet = (): WorkerFleet => {
    const core = bed.fresh();
    const env = {
      REDIS_URL,
      VAECF_ARTIFACTS_DIR: bed.root,
      ...core.config,
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
          store: core.store,
          controller: core.controller,
          checkDataset: async () => undefined,
          liveWorkers: () => core.registry.live(),
        },
      );
      bed.track(id);
      return { id, warnings };
    };
    return {
      queue: core.trialsQueue,
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
      close: () => core.close(),
    };
  };
  return {
    get root() {
      return bed.root;
    },
    get artifacts() {
      return bed.artifacts;
    },
    get store() {
      return bed.store;
    },
    get registry() {
      return bed.registry;
    },
    get redis() {
      return bed.redis;
    },
    fleet,
  };
}
