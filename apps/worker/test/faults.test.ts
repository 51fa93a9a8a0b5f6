import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemArtifactStore } from '@vaecf/artifacts';
import { generateSyntheticRatings, prepareDataset, writeDatasetArtifact } from '@vaecf/cf';
import { SweepController, SweepStore, submitSweep, type TrialsQueue } from '@vaecf/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, until, WORKER_MAIN, type WorkerProcess } from './processes';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let root: string;
let redis: Redis;
let store: SweepStore;
let workers: WorkerProcess[] = [];
const sweeps: string[] = [];

beforeAll(async () => {
  if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run npm run build first`);
  root = await mkdtemp(join(tmpdir(), 'vaecf-faults-'));
  const artifacts = new FilesystemArtifactStore(root);
  const csv = join(root, 'ratings.csv');
  await generateSyntheticRatings(csv, { users: 1500, items: 800, seed: 5 });
  await writeDatasetArtifact(
    artifacts.datasetDir('ds'),
    await prepareDataset(csv, { format: 'movielens-csv', heldoutUsers: 100 }),
  );
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  store = new SweepStore(redis);
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

/** A queue of its own, workers with short locks so a dead one is noticed within seconds. */
function setup() {
  const name = `test-${randomUUID()}`;
  const queue: TrialsQueue = new Queue(name, { connection: redis });
  const controller = new SweepController(redis, store, queue);
  const env = {
    REDIS_URL,
    VAECF_ARTIFACTS_DIR: root,
    VAECF_TRIALS_QUEUE: name,
    WORKER_LOCK_MS: '3000',
    WORKER_STALLED_CHECK_MS: '1000',
  };
  const start = (id: string, extra: Record<string, string> = {}) => {
    const w = startWorker(id, { ...env, ...extra });
    workers.push(w);
    return w;
  };
  const submit = async (trials: number, epochs: number) => {
    const { id } = await submitSweep(
      {
        dataset: 'ds',
        model: 'vae',
        fixed: { dims: [200, 50], batchSize: 100, epochs, totalAnnealSteps: 50 },
        space: { lr: { type: 'choice', values: [1e-3, 2e-3, 3e-3, 4e-3].slice(0, trials) } },
        limits: { maxConcurrent: 1 },
      },
      { store, controller, checkDataset: async () => undefined },
    );
    sweeps.push(id);
    return id;
  };
  const close = async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  };
  return { start, submit, close };
}

type Epoch = { epoch: number; worker: string };

describe('faults, with real worker processes and a real Redis', () => {
  it('kill -9 mid-trial: another worker resumes from the last checkpoint and the sweep completes', async () => {
    const t = setup();
    const a = t.start('A');
    const id = await t.submit(2, 6);
    await until(
      'worker A to finish 2 epochs of trial 0',
      async () => ((await store.getTrial(id, 0))?.epochs ?? 0) >= 2,
    );
    a.kill9();
    const b = t.start('B');
    const done = await until('the sweep to complete', async () => {
      const s = await store.getSweep(id);
      return s?.state === 'completed' ? s : null;
    });
    const trials = await store.listTrials(id);
    expect(trials.map((x) => [x.no, x.state, x.epochs])).toEqual([
      [0, 'completed', 6],
      [1, 'completed', 6],
    ]);
    const history = await store.history<Epoch>(id, 0);
    expect(history.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    // Epochs A checkpointed stay A's: B went on from there, not from epoch 0.
    expect(history[0].worker).toBe('A');
    expect(history[1].worker).toBe('A');
    expect(history[5].worker).toBe('B');
    expect(done.test?.ndcg100).toBeGreaterThan(0);
    expect(b.output()).toContain('ready');
    await t.close();
  });

  it('SIGTERM: the worker hands its trial back, exits cleanly, and the trial resumes elsewhere', async () => {
    const t = setup();
    const a = t.start('A');
    const id = await t.submit(1, 5);
    await until('worker A to finish an epoch', async () => ((await store.getTrial(id, 0))?.epochs ?? 0) >= 1);
    const code = await a.terminate();
    expect(code).toBe(0);
    expect(a.output()).toMatch(/SIGTERM received[\s\S]*handing running trials back and closing[\s\S]*closed/);
    const kept = (await store.getTrial(id, 0))!.epochs;
    t.start('B');
    await until('the sweep to complete', async () => (await store.getSweep(id))?.state === 'completed');
    const history = await store.history<Epoch>(id, 0);
    expect(history).toHaveLength(5);
    expect(history.slice(0, kept).every((e) => e.worker === 'A')).toBe(true);
    expect(history.at(-1)!.worker).toBe('B');
    await t.close();
  });

  it('recycles a trial process that grew past its memory limit, and the sweep still completes', async () => {
    const t = setup();
    const w = t.start('R', { WORKER_CHILD_MAX_RSS_MB: '1' });
    const id = await t.submit(3, 1);
    await until('the sweep to complete', async () => (await store.getSweep(id))?.state === 'completed');
    const trials = await store.listTrials(id);
    expect(trials.map((x) => x.state)).toEqual(['completed', 'completed', 'completed']);
    expect(w.output().match(/recycling/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    await t.close();
  });

  it('exposes Prometheus metrics: backend info, epochs, trial outcomes, queue depth', async () => {
    const t = setup();
    const w = t.start('M');
    const port = await until('the metrics port', async () => w.metricsPort());
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const id = await t.submit(2, 2);
    // While a trial runs, its latest validation NDCG@100 is a series.
    await until('a running trial series', async () =>
      /vaecf_trial_validation_ndcg100\{sweep="sw_\w+",trial="\d"\} 0\.\d+/.test(await scrape()),
    );
    const during = await scrape();
    // Every state has a series while the sweep runs (zeros included).
    for (const state of ['queued', 'running', 'completed', 'pruned', 'failed', 'cancelled']) {
      expect(during).toMatch(new RegExp(`vaecf_sweep_trials\\{sweep="${id}",state="${state}"\\} \\d`));
    }
    expect(during).toMatch(new RegExp(`vaecf_sweep_best_validation_ndcg100\\{sweep="${id}"\\} 0\\.\\d+`));
    await until('the sweep to complete', async () => (await store.getSweep(id))?.state === 'completed');
    const text = await until('both trials counted', async () => {
      const m = await scrape();
      return m.includes('vaecf_trials_finished_total{state="completed"} 2') ? m : null;
    });
    expect(text).toMatch(/vaecf_worker_info\{worker="M",backend="(wasm|cpu|tensorflow|tensorflow-gpu)"\} 1/);
    expect(text).toContain('vaecf_epoch_duration_seconds_count 4');
    expect(text).toMatch(/vaecf_queue_jobs\{queue="test-[\w-]+",state="completed"\} \d+/);
    expect(text).toContain('vaecf_worker_busy_jobs 0');
    expect(text).toContain('process_cpu_user_seconds_total');
    // Trial-level series go when the trial ends.
    expect(text).not.toMatch(/vaecf_trial_validation_ndcg100\{/);
    expect(text).not.toContain(`sweep="${id}"`); // the ended sweep's series are gone
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ status: 'ok' });
    await t.close();
  });
});
