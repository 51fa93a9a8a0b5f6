import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client } from '@vaecf/artifacts';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testHold, type TestHold } from '../../apps/worker/test/hold';
import { until, WORKER_MAIN } from '../../apps/worker/test/processes';
import { checkedFetch } from '../support/openapi-check';
import { API_MAIN, BUNDLED } from '../support/stack';
import { Cluster, clusterUnsupported, type HostProcess } from './netns';

// vaecf across hosts: Redis and an S3 server on one host, the API on another, three worker hosts
// and a Prometheus host, each a network namespace of its own (test/cluster/netns.ts). The same
// small grid sweep runs undisturbed, with a worker host cut off mid-trial, and with a worker host's
// processes SIGKILLed mid-trial; every trial's per-epoch figures must equal the undisturbed run's.

const unsupported = clusterUnsupported();
if (unsupported) console.warn(`cluster tests skipped: ${unsupported}`);

const WORKERS = ['w1', 'w2', 'w3'] as const;
type WorkerHost = (typeof WORKERS)[number];
// A host cut off (scenario 2) is held before an epoch's first write (WORKER_TEST_HOLD): that write
// waits for the link, the lock lapses meanwhile, and the write is refused once the host is healed.
const LOCK_MS = 10_000;
const API_TOKEN = 'cluster-api-token';
const METRICS_TOKEN = 'cluster-metrics-token';
const BUCKET = 'vaecf';
const PREFIX = 'cluster';
const S3_PORT = 4568;
const API_PORT = 8080;
const METRICS_PORT = 9464;
const PROMETHEUS_PORT = 9090;

/** Four grid points, five epochs each, small enough for 2 cores; scheduler none so nothing prunes. */
const SPEC = {
  dataset: 'ml',
  model: 'vae',
  fixed: { dims: [64, 16], batchSize: 100, epochs: 5, totalAnnealSteps: 100 },
  space: {
    lr: { type: 'choice', values: [0.001, 0.003] },
    keepProb: { type: 'choice', values: [0.5, 0.8] },
  },
  search: { method: 'grid' },
  scheduler: { type: 'none' },
  limits: { maxConcurrent: 3 },
  // Every trial's checkpoint stays in the store after the end, where the tests look for it.
  checkpoints: { keepAfterEnd: 4 },
};

interface TrialRow {
  no: number;
  state: string;
  params: Record<string, unknown>;
  worker?: string;
  epochs: number;
  attempts: number;
}
interface Epoch {
  epoch: number;
  worker: string;
  loss: number;
  nll: number;
  kl: number;
  beta: number;
  steps: number;
  validation: Record<string, number>;
}
interface SweepRun {
  id: string;
  trials: TrialRow[];
  histories: Map<number, Epoch[]>;
}

let cluster: Cluster;
let root: string;
let redis: Redis;
/** Holds a sweep's trials at a known point (WORKER_TEST_HOLD of every worker host). */
let hold: TestHold;
const workers = new Map<WorkerHost, HostProcess>();
let baseline: SweepRun;

const apiBase = () => `http://${cluster.address('api')}:${API_PORT}`;

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await checkedFetch(`${apiBase()}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${API_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Where every host finds the artifact store: the S3 server on the store host; a cache per host. */
function artifactsEnv(host: string): Record<string, string> {
  return {
    VAECF_ARTIFACTS: `s3://${BUCKET}/${PREFIX}`,
    AWS_ENDPOINT_URL_S3: `http://${cluster.address('store')}:${S3_PORT}`,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    VAECF_CACHE_DIR: join(root, 'hosts', host, 'cache'),
  };
}

function commonEnv(host: string): Record<string, string> {
  return {
    REDIS_URL: `redis://${cluster.address('store')}:6379`,
    METRICS_TOKEN,
    ...artifactsEnv(host),
  };
}

/**
 * A host's own working directory: the namespaces share this machine's file system, so every
 * process runs in a directory of its host's, and a relative default (such as the filesystem
 * store's .vaecf/artifacts) is never shared between hosts. Only object storage is.
 */
async function hostDir(host: string): Promise<string> {
  const dir = join(root, 'hosts', host);
  await mkdir(dir, { recursive: true });
  return dir;
}

async function startWorkerOn(host: WorkerHost): Promise<HostProcess> {
  const p = cluster.spawn(
    host,
    'worker',
    process.execPath,
    [WORKER_MAIN],
    {
      ...commonEnv(host),
      WORKER_ID: host,
      // The host's own address: bound, and announced in the registry for Prometheus' discovery.
      WORKER_METRICS_HOST: cluster.address(host),
      WORKER_METRICS_PORT: String(METRICS_PORT),
      WORKER_LOCK_MS: String(LOCK_MS),
      WORKER_STALLED_CHECK_MS: '1000',
      WORKER_RECONCILE_MS: '2000',
      ...hold.env,
    },
    await hostDir(host),
  );
  workers.set(host, p);
  return p;
}

async function workerReady(host: WorkerHost): Promise<void> {
  await until(`worker ${host} ready`, async () => /: ready/.test(workers.get(host)!.output()), 60_000);
}

/** The figures an epoch must reproduce exactly wherever and however often its trial ran. */
function figures(e: Epoch) {
  return {
    epoch: e.epoch,
    loss: e.loss,
    nll: e.nll,
    kl: e.kl,
    beta: e.beta,
    steps: e.steps,
    validation: e.validation,
  };
}

async function trials(id: string): Promise<TrialRow[]> {
  return (await api<TrialRow[]>('GET', `/sweeps/${id}/trials?sort=no`)).sort((a, b) => a.no - b.no);
}

/**
 * Submits the sweep, runs `disturb` beside it, and returns its trials and histories once it has
 * ended. With `holdAfter`, its trials record that many epochs and wait (WORKER_TEST_HOLD) until
 * `disturb` releases them: a disturbance lands at a known point of a trial on any machine.
 */
async function runSweep(
  disturb?: (id: string, name: string) => Promise<void>,
  holdAfter?: number,
): Promise<SweepRun> {
  const name = `cluster-${Date.now()}`;
  if (holdAfter !== undefined) await hold.holdAfter(name, holdAfter);
  const { id } = await api<{ id: string }>('POST', '/sweeps', { ...SPEC, name });
  const disturbed = disturb?.(id, name);
  await until(
    `sweep ${id} to end`,
    async () =>
      ['completed', 'failed'].includes((await api<{ state: string }>('GET', `/sweeps/${id}`)).state),
    150_000,
  );
  await disturbed;
  const rows = await trials(id);
  const histories = new Map<number, Epoch[]>();
  for (const t of rows) {
    histories.set(t.no, (await api<{ history: Epoch[] }>('GET', `/sweeps/${id}/trials/${t.no}`)).history);
  }
  return { id, trials: rows, histories };
}

/**
 * A trial of the sweep held (holdAfter) with epochs recorded and more to go: it has trained its
 * next epoch and waits before that epoch's first write, a fenced one.
 */
async function heldTrial(id: string): Promise<{ no: number; host: WorkerHost }> {
  const { trialNo, worker } = await hold.waiting(id);
  return { no: trialNo, host: worker as WorkerHost };
}

/** 0 trials lost, 0 epochs recorded twice or missing, every figure equal to the baseline's. */
function expectSameOutcome(run: SweepRun): void {
  expect(run.trials.map((t) => t.state)).toEqual(baseline.trials.map(() => 'completed'));
  expect(run.trials.map((t) => t.params)).toEqual(baseline.trials.map((t) => t.params));
  for (const t of run.trials) {
    const history = run.histories.get(t.no)!;
    expect(history.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(history.map(figures)).toEqual(baseline.histories.get(t.no)!.map(figures));
  }
}

/** The trial moved from `host` to another host and went on from its checkpoint, not from epoch 0. */
function expectResumedElsewhere(run: SweepRun, no: number, host: WorkerHost): void {
  const history = run.histories.get(no)!;
  expect(history[0].worker).toBe(host);
  expect(history.at(-1)!.worker).not.toBe(host);
  expect(run.trials.find((t) => t.no === no)!.attempts).toBeGreaterThanOrEqual(2);
}

/** Which host recorded which epochs of a trial, for the test's log: "w2 1-2, w3 3-5". */
function hostsOf(run: SweepRun, no: number): string {
  const spans: { worker: string; from: number; to: number }[] = [];
  for (const e of run.histories.get(no)!) {
    const last = spans.at(-1);
    if (last?.worker === e.worker) last.to = e.epoch;
    else spans.push({ worker: e.worker, from: e.epoch, to: e.epoch });
  }
  return spans.map((s) => `${s.worker} ${s.from}-${s.to}`).join(', ');
}

/** Writes of the sweep's trials refused for a stale fencing token, as Redis counts them (by kind). */
async function fencedInRedis(id: string): Promise<number> {
  const counts = await redis.hvals(`vaecf:sweep:{${id}}:fenced`);
  return counts.reduce((sum, n) => sum + Number(n), 0);
}

/** `vaecf_fenced_writes_total` of the sweep as the worker on `host` exports it (every worker does). */
async function fencedWrites(host: WorkerHost, id: string): Promise<number> {
  const r = await fetch(`http://${cluster.address(host)}:${METRICS_PORT}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  }).catch(() => null);
  if (!r?.ok) return 0;
  const lines = (await r.text())
    .split('\n')
    .filter((l) => l.startsWith('vaecf_fenced_writes_total{') && l.includes(`sweep="${id}"`));
  return lines.reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

/** The hosts and their processes, the dataset registered through the API. */
async function setUp(): Promise<void> {
  cluster = new Cluster(['store', 'api', ...WORKERS, 'prom']);
  root = cluster.dir;
  await mkdir(join(root, 'data'));
  await mkdir(join(root, 's3'));
  await mkdir(join(root, 'redis'));
  await copyFile(BUNDLED, join(root, 'data', 'ratings.csv.gz'));

  const store = cluster.address('store');
  cluster.spawn('store', 'redis', 'redis-server', [
    ...['--bind', store, '--port', '6379', '--protected-mode', 'no'],
    ...['--save', '', '--appendonly', 'no', '--dir', join(root, 'redis')],
  ]);
  cluster.spawn('store', 's3', process.execPath, [
    resolve(__dirname, 's3-host.js'),
    store,
    String(S3_PORT),
    join(root, 's3'),
    BUCKET,
  ]);
  // Until redis-server listens, ioredis reconnects and holds the PING.
  redis = new Redis(`redis://${store}:6379`, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  await redis.ping();
  hold = testHold(redis);

  cluster.spawn(
    'api',
    'api',
    process.execPath,
    [API_MAIN],
    {
      ...commonEnv('api'),
      API_HOST: cluster.address('api'),
      PORT: String(API_PORT),
      API_TOKEN,
      VAECF_DATA_ROOT: join(root, 'data'),
    },
    await hostDir('api'),
  );
  for (const host of WORKERS) await startWorkerOn(host);
  await until(
    'the API',
    () =>
      checkedFetch(`${apiBase()}/health`).then(
        (r) => r.ok,
        () => false,
      ),
    60_000,
  );
  await Promise.all(WORKERS.map(workerReady));
  await api('POST', '/datasets', { id: 'ml', path: 'ratings.csv.gz', format: 'movielens-csv' });
  await until(
    'the dataset to be ready',
    async () => (await api<{ state: string }>('GET', '/datasets/ml')).state === 'ready',
    60_000,
  );
}

describe.skipIf(unsupported !== null)('a cluster of network namespaces', () => {
  beforeAll(
    () =>
      setUp().catch((e: Error) => {
        if (cluster) console.error(`cluster logs:\n${cluster.logs()}`);
        throw e;
      }),
    120_000,
  );

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') console.error(`cluster logs:\n${cluster.logs()}`);
  });

  afterAll(async () => {
    await redis?.quit().catch(() => undefined);
    cluster?.destroy();
    if (cluster) expect(cluster.leftovers()).toEqual([]);
  });

  it('1. a grid sweep runs across the worker hosts; its leaderboard and every epoch are recorded', async () => {
    baseline = await runSweep();
    const sweep = await api<{ state: string; best: { trial: number } | null }>(
      'GET',
      `/sweeps/${baseline.id}`,
    );
    expect(sweep.state).toBe('completed');
    expect(sweep.best).not.toBeNull();
    expect(baseline.trials).toHaveLength(4);
    expect(baseline.trials.every((t) => t.state === 'completed')).toBe(true);
    for (const history of baseline.histories.values()) {
      expect(history.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5]);
    }
    const hosts = new Set([...baseline.histories.values()].flat().map((e) => e.worker));
    expect(hosts.size).toBeGreaterThanOrEqual(2);
    // The API host serves the promoted model from the store, where a worker host put it.
    const model = await checkedFetch(`${apiBase()}/sweeps/${baseline.id}/model`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(model.status).toBe(200);
    expect(model.headers.get('content-type')).toBe('application/gzip');
    expect((await model.arrayBuffer()).byteLength).toBeGreaterThan(0);
  }, 180_000);

  it('2. a worker host cut off mid-trial: the trial resumes elsewhere, its late writes are refused', async () => {
    let victim: { no: number; host: WorkerHost } | undefined;
    const run = await runSweep(async (id, name) => {
      // Held before epoch 3's first write (a fenced one) with epochs 1-2 recorded: cut off there, the
      // victim's next step is that write, which waits for the link until it is healed.
      victim = await heldTrial(id);
      cluster.cut(victim.host);
      await hold.release(name);
      // Cut off for longer than the lock: another host takes the trial over meanwhile.
      await until(
        `trial ${victim.no} taken over`,
        async () => {
          const t = (await trials(id)).find((r) => r.no === victim!.no)!;
          return t.worker !== victim!.host && t.attempts >= 2;
        },
        60_000,
      );
      cluster.heal(victim.host);
    }, 2);
    expectSameOutcome(run);
    expectResumedElsewhere(run, victim!.no, victim!.host);
    // Healed, the cut-off worker's writes of the trial reach Redis late: each refused and counted,
    // in Redis for the sweep, and exported as vaecf_fenced_writes_total (here by the healed host).
    const refused = await until('the late writes refused', async () => fencedInRedis(run.id), 30_000);
    await until(
      `the cut-off worker to count ${refused} refused writes`,
      async () => (await fencedWrites(victim!.host, run.id)) === refused,
      30_000,
    );
    const kinds = await redis.hgetall(`vaecf:sweep:{${run.id}}:fenced`);
    console.log(
      `cut off: trial ${victim!.no} epochs ${hostsOf(run, victim!.no)}; refused ${JSON.stringify(kinds)}`,
    );
  }, 240_000);

  it('3. a worker host SIGKILLed mid-trial: the trial resumes elsewhere from object storage', async () => {
    let victim: { no: number; host: WorkerHost } | undefined;
    const run = await runSweep(async (id, name) => {
      victim = await heldTrial(id); // epochs 1-2 recorded and checkpointed
      expect(cluster.killAll(victim.host)).toBeGreaterThanOrEqual(2); // the worker and its trial process
      await hold.release(name);
    }, 2);
    expectSameOutcome(run);
    expectResumedElsewhere(run, victim!.no, victim!.host);
    console.log(`SIGKILLed: trial ${victim!.no} epochs ${hostsOf(run, victim!.no)}`);
    // The trial's checkpoint is in the bucket, committed by the attempt that took it over: with
    // no directory shared between the hosts, that is where the resuming host read it from.
    const s3 = createS3Client({
      endpoint: `http://${cluster.address('store')}:${S3_PORT}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const prefix = `${PREFIX}/sweeps/${run.id}/trials/${victim!.no}/`;
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    s3.destroy();
    const attempts = (listed.Contents ?? [])
      .map((o) => new RegExp(`^${prefix}(\\d+)/checkpoint\\.json$`).exec(o.Key!)?.[1])
      .filter((a) => a !== undefined)
      .map(Number);
    expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);
    // Nothing of the killed host lives on (no orphaned trial process training without a lock).
    expect(cluster.pids(victim!.host)).toEqual([]);
  }, 240_000);

  it('4. Prometheus discovers every worker across the hosts through the API and scrapes them', async () => {
    // Every worker host runs a worker (scenario 3 killed one).
    for (const host of WORKERS) {
      if (workers.get(host)!.child.exitCode !== null || workers.get(host)!.child.signalCode !== null)
        await startWorkerOn(host);
    }
    await Promise.all(WORKERS.map(workerReady));
    const prom = cluster.address('prom');
    const tokenFile = join(root, 'metrics-token');
    await writeFile(tokenFile, METRICS_TOKEN);
    const config = join(root, 'prometheus.yml');
    await writeFile(
      config,
      [
        'global: { scrape_interval: 1s }',
        'scrape_configs:',
        '  - job_name: vaecf-worker',
        `    authorization: { credentials_file: '${tokenFile}' }`,
        // Prometheus 2.42 sends the bare token for discovery unless the type is spelled out.
        `    http_sd_configs: [{ url: '${apiBase()}/workers/sd', refresh_interval: 1s, ` +
          `authorization: { type: Bearer, credentials_file: '${tokenFile}' } }]`,
      ].join('\n'),
    );
    cluster.spawn('prom', 'prometheus', 'prometheus', [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(root, 'tsdb')}`,
      `--web.listen-address=${prom}:${PROMETHEUS_PORT}`,
    ]);
    const up = await until(
      'every worker up in Prometheus',
      async () => {
        const r = await fetch(
          `http://${prom}:${PROMETHEUS_PORT}/api/v1/query?query=${encodeURIComponent('up{job="vaecf-worker"}')}`,
        ).catch(() => null);
        if (!r?.ok) return null;
        const body = (await r.json()) as {
          data: { result: { metric: Record<string, string>; value: [number, string] }[] };
        };
        const series = body.data.result;
        return series.length === WORKERS.length && series.every((s) => s.value[1] === '1') ? series : null;
      },
      60_000,
    );
    expect(up.map((s) => [s.metric.worker, s.metric.instance]).sort()).toEqual(
      WORKERS.map((h) => [h, `${cluster.address(h)}:${METRICS_PORT}`]),
    );
  }, 120_000);
});
