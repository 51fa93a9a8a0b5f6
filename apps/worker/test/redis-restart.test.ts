import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemArtifactStore } from '@vaecf/artifacts';
import { generateSyntheticRatings, prepareDataset, writeDatasetArtifact } from '@vaecf/cf';
import { submitSweep } from '@vaecf/orchestration';
import { parseSweepSpec } from '@vaecf/sweep';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openCoreBed } from '../../../test/support/core-bed';
import { freePort, startWorker, until, type WorkerProcess } from './processes';

// A Redis of this test's own, with append-only persistence, that the test stops and starts again.
let root: string;
let port: number;
let server: ChildProcess | null = null;
let workers: WorkerProcess[] = [];

async function startRedis(): Promise<void> {
  server = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--dir',
      root,
      '--save',
      '',
    ],
    {
      stdio: 'ignore',
    },
  );
  await until(
    'redis to answer',
    async () =>
      spawnSync('redis-cli', ['-p', String(port), 'ping'])
        .stdout?.toString()
        .includes('PONG'),
    10_000,
  );
}

async function stopRedis(): Promise<void> {
  const exited = new Promise((r) => server!.once('exit', r));
  spawnSync('redis-cli', ['-p', String(port), 'shutdown']);
  await exited;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vaecf-redis-restart-'));
  port = await freePort();
  await startRedis();
  const artifacts = new FilesystemArtifactStore(root);
  const csv = join(root, 'ratings.csv');
  await generateSyntheticRatings(csv, { users: 1200, items: 600, seed: 8 });
  await writeDatasetArtifact(
    artifacts.datasetDir('ds'),
    await prepareDataset(csv, { format: 'movielens-csv', heldoutUsers: 100 }),
  );
});
afterAll(async () => {
  for (const w of workers) w.kill9();
  if (server && server.exitCode === null) await stopRedis();
  await rm(root, { recursive: true, force: true });
});

it('Redis restarted during a sweep: workers reconnect and the sweep completes, every trial once', async () => {
  const url = `redis://127.0.0.1:${port}`;
  const bed = openCoreBed({ url });
  const { store, controller } = bed;
  const env = {
    REDIS_URL: url,
    VAECF_ARTIFACTS_DIR: root,
    ...bed.config,
    WORKER_LOCK_MS: '3000',
    WORKER_STALLED_CHECK_MS: '1000',
  };
  workers = [startWorker('A', env), startWorker('B', env)];
  const { id } = await submitSweep(
    parseSweepSpec({
      dataset: 'ds',
      model: 'dae',
      fixed: { dims: [100], batchSize: 100, epochs: 5 },
      space: { lr: { type: 'choice', values: [1e-3, 3e-3, 1e-2] } },
      limits: { maxConcurrent: 2 },
    }),
    { store, controller, checkDataset: async () => undefined },
  );
  await until('a first epoch', async () => ((await store.getTrial(id, 0))?.epochs ?? 0) >= 1);
  await stopRedis();
  await new Promise((r) => setTimeout(r, 1500));
  await startRedis();
  const done = await until(
    'the sweep to complete',
    async () => {
      const s = await store.getSweep(id);
      return s && ['completed', 'failed'].includes(s.state) ? s : null;
    },
    180_000,
  );
  expect(done.state).toBe('completed');
  const trials = await store.listTrials(id);
  expect(trials.map((t) => [t.no, t.state, t.epochs])).toEqual([
    [0, 'completed', 5],
    [1, 'completed', 5],
    [2, 'completed', 5],
  ]);
  for (const t of trials)
    expect((await store.history(id, t.no)).map((e) => (e as { epoch: number }).epoch)).toEqual([
      1, 2, 3, 4, 5,
    ]);
  await bed.close();
});
