import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { FilesystemArtifactStore } from '@vaecf/artifacts';
import { createCore, type Core, type CoreConfig } from '@vaecf/orchestration';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { syntheticArtifacts } from '../../apps/worker/test/synthetic-artifacts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A core (createCore) on queues of its own: `config` holds their names, for processes that should share them. */
export interface BedCore extends Core {
  readonly config: CoreConfig;
  /** Obliterates its queues (the datasets queue if it was made), then closes them. Once; the bed's close() does it otherwise. */
  close(): Promise<void>;
}

/**
 * A test's core, wired as the apps wire theirs (createCore), on a connection
 * of its own and on fresh queues (`test-<uuid>`): Redis keeps one namespace
 * of sweeps and datasets, so what a test creates it tracks, and close()
 * deletes it. The bed is itself a core; `fresh()` makes more (a queue per
 * test, as BullMQ's own tests do) on the same connection.
 */
export interface CoreBed extends BedCore {
  readonly redis: Redis;
  /** Another core on this connection and fresh queues; closed with the bed unless closed before. */
  fresh(): BedCore;
  /** A further connection to the bed's Redis, closed with the bed (BullMQ never closes a connection it is given). */
  connection(): Redis;
  /** Deleted when the bed closes. */
  track(sweepId: string): void;
  trackDataset(id: string): void;
  /**
   * Deletes the tracked sweeps and datasets, closes every core it made (their
   * queues obliterated), the further connections and its own. Once.
   */
  close(): Promise<void>;
}

/** The fixture dataset: `id` prepared from synthetic ratings in a filesystem artifact store (worker test's syntheticArtifacts). */
export interface FixtureDataset {
  /** The directory name's tag: `vaecf-<name>-*` in the temporary directory. */
  readonly name: string;
  readonly id: string;
  readonly ratings: { users: number; items: number; seed: number; heldoutUsers: number };
}

/** The fixture dataset's store: removed with the bed. */
export interface WithDataset {
  readonly root: string;
  readonly artifacts: FilesystemArtifactStore;
  /** The synthetic ratings it was prepared from (`<root>/ratings.csv`). */
  readonly csv: string;
}

export interface CoreBedOptions {
  /** Another Redis than REDIS_URL's (a private server of the test's own). */
  readonly url?: string;
}

const freshQueues = (): CoreConfig => {
  const name = `test-${randomUUID()}`;
  return { VAECF_TRIALS_QUEUE: name, VAECF_DATASETS_QUEUE: `${name}-datasets` };
};

/** A core on `redis` and fresh queues; `closed` hears of its close. */
function bedCore(redis: Redis, closed: (core: BedCore) => void): BedCore {
  const config = freshQueues();
  const core = createCore({ redis, config });
  let datasetsQueueMade = false;
  let closing: Promise<void> | undefined;
  const self: BedCore = {
    config,
    store: core.store,
    datasetStore: core.datasetStore,
    registry: core.registry,
    trialsQueue: core.trialsQueue,
    controller: core.controller,
    get datasetsQueue() {
      datasetsQueueMade = true;
      return core.datasetsQueue;
    },
    close() {
      closing ??= (async () => {
        closed(self);
        await core.trialsQueue.obliterate({ force: true });
        if (datasetsQueueMade) await core.datasetsQueue.obliterate({ force: true });
        await core.close();
      })();
      return closing;
    },
  };
  return self;
}

/** Opens a bed now; the caller closes it. */
export function openCoreBed(opts: CoreBedOptions = {}): CoreBed {
  // As the worker connects: commands wait out an outage instead of failing (BullMQ needs it too).
  const redis = new Redis(opts.url ?? REDIS_URL, { maxRetriesPerRequest: null });
  const cores = new Set<BedCore>();
  const connections: Redis[] = [];
  const sweeps: string[] = [];
  const datasets: string[] = [];
  const fresh = () => {
    const core = bedCore(redis, (c) => cores.delete(c));
    cores.add(core);
    return core;
  };
  const own = fresh();
  let closing: Promise<void> | undefined;
  return {
    config: own.config,
    store: own.store,
    datasetStore: own.datasetStore,
    registry: own.registry,
    trialsQueue: own.trialsQueue,
    get datasetsQueue() {
      return own.datasetsQueue;
    },
    controller: own.controller,
    redis,
    fresh,
    connection() {
      const c = new Redis(opts.url ?? REDIS_URL, { maxRetriesPerRequest: null });
      connections.push(c);
      return c;
    },
    track: (id) => void sweeps.push(id),
    trackDataset: (id) => void datasets.push(id),
    close() {
      closing ??= (async () => {
        for (const id of sweeps) await own.store.deleteSweep(id);
        for (const id of datasets) await own.datasetStore.delete(id);
        for (const core of [...cores]) await core.close();
        for (const c of connections) if (c.status !== 'end') await c.quit();
        await redis.quit();
      })();
      return closing;
    },
  };
}

/**
 * A bed for a whole test file: opened in its beforeAll (with the fixture
 * dataset when asked), closed in its afterAll. Read its parts from the
 * returned object inside tests and hooks (they exist once beforeAll ran).
 */
export function useCoreBed(opts: CoreBedOptions & { dataset: FixtureDataset }): CoreBed & WithDataset;
export function useCoreBed(opts?: CoreBedOptions): CoreBed;
export function useCoreBed(opts: CoreBedOptions & { dataset?: FixtureDataset } = {}): CoreBed & WithDataset {
  let bed: CoreBed | undefined;
  let fixture: WithDataset | undefined;
  beforeAll(async () => {
    if (opts.dataset) {
      const { name, id, ratings } = opts.dataset;
      fixture = await syntheticArtifacts(name, id, ratings);
    }
    bed = openCoreBed(opts);
  });
  afterAll(async () => {
    await bed?.close();
    if (fixture) await rm(fixture.root, { recursive: true, force: true });
  });
  const the = (): CoreBed => {
    if (!bed) throw new Error('the core bed is opened in beforeAll: read it inside tests and hooks');
    return bed;
  };
  const data = (): WithDataset => {
    if (!fixture) throw new Error('this bed has no fixture dataset (useCoreBed({ dataset }))');
    return fixture;
  };
  const bedParts = [
    'config',
    'store',
    'datasetStore',
    'registry',
    'trialsQueue',
    'datasetsQueue',
    'controller',
    'redis',
  ] as const;
  const dataParts = ['root', 'artifacts', 'csv'] as const;
  const used = {
    fresh: () => the().fresh(),
    connection: () => the().connection(),
    track: (id: string) => the().track(id),
    trackDataset: (id: string) => the().trackDataset(id),
    close: () => the().close(),
  };
  for (const key of bedParts) Object.defineProperty(used, key, { get: () => the()[key], enumerable: true });
  for (const key of dataParts) Object.defineProperty(used, key, { get: () => data()[key], enumerable: true });
  return used as typeof used & CoreBed & WithDataset;
}
