import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { DATASET_GENERATIONS_KEY, RedisSweepStore } from '@vaecf/store';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { UserError } from '../errors';

/** The built apps, beside this CLI in the monorepo. */
const API_MAIN = resolve(__dirname, '../../../api/dist/main.js');
const WORKER_MAIN = resolve(__dirname, '../../../worker/dist/main.js');

export interface LocalStack {
  readonly apiUrl: string;
  readonly redisUrl: string;
  /** The Redis is the user's (REDIS_URL): what the demo put there must go at the end. */
  readonly sharedRedis: boolean;
  /**
   * Stops every process started; on the user's Redis it then removes the demo's queues (its
   * sweep and dataset records are deleted through the API before: stack-demo.ts).
   */
  stop(): Promise<void>;
}

/**
 * Redis (REDIS_URL, or a private redis-server on a free port), the API and
 * `workers` worker processes, as child processes of this one, on queues of
 * their own so that a demo never mixes with anything else on that Redis.
 */
export async function startLocalStack(opts: {
  workDir: string;
  dataRoot: string;
  workers: number;
  log: (line: string) => void;
}): Promise<LocalStack> {
  const children: ChildProcess[] = [];
  const suffix = `demo-${process.pid}`;
  const queues = [`vaecf-trials-${suffix}`, `vaecf-datasets-${suffix}`];
  let redisUrl = process.env.REDIS_URL;
  const sharedRedis = Boolean(redisUrl);
  let started = false;
  /** The dataset generation counter, created by the demo's dataset unless the Redis had one. */
  let counterExisted = true;
  const stop = async () => {
    for (const c of [...children].reverse()) await terminate(c);
    if (sharedRedis && started) await removeFromRedis(redisUrl!, queues, counterExisted);
  };
  try {
    if (redisUrl) opts.log(`Redis: ${redisUrl} (from REDIS_URL)`);
    else {
      const port = await freePort();
      const dir = join(opts.workDir, 'redis');
      await mkdir(dir, { recursive: true });
      if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) {
        throw new UserError(
          'no Redis: set REDIS_URL, or install redis-server (Debian/Ubuntu: apt-get install -y redis-server)',
        );
      }
      children.push(
        spawn(
          'redis-server',
          ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
          { stdio: 'ignore' },
        ),
      );
      redisUrl = `redis://127.0.0.1:${port}`;
      await waitFor(
        'Redis',
        () =>
          spawnSync('redis-cli', ['-p', String(port), 'ping'])
            .stdout?.toString()
            .includes('PONG') ?? false,
      );
      opts.log(`Redis: a private redis-server on port ${port}`);
    }
    const env = {
      ...process.env,
      REDIS_URL: redisUrl,
      // The demo's own directory, whatever artifact store the caller's environment names.
      VAECF_ARTIFACTS: join(opts.workDir, 'artifacts'),
      VAECF_ARTIFACTS_DIR: join(opts.workDir, 'artifacts'),
      VAECF_DATA_ROOT: opts.dataRoot,
      VAECF_TRIALS_QUEUE: queues[0],
      VAECF_DATASETS_QUEUE: queues[1],
      API_TOKEN: '',
    };
    const apiPort = await freePort();
    if (sharedRedis)
      counterExisted = (await withRedis(redisUrl, (r) => r.exists(DATASET_GENERATIONS_KEY))) === 1;
    started = true;
    const api = spawn(process.execPath, [API_MAIN], {
      env: { ...env, PORT: String(apiPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(api);
    const apiLog = collect(api);
    // The API and the workers start side by side (each loads Node, Nest and TensorFlow.js for a
    // few seconds): waiting for one before starting the next made the start as long as all of them.
    const workers = Array.from({ length: opts.workers }, (_, k) => {
      const w = spawn(process.execPath, [WORKER_MAIN], {
        env: { ...env, WORKER_ID: `demo-worker-${k + 1}`, WORKER_METRICS_PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(w);
      return { w, log: collect(w) };
    });
    await Promise.all([
      ...workers.map(({ w, log }, k) => waitFor(`worker ${k + 1}`, () => log().includes(': ready'), w)),
      waitFor('the API', () => apiLog().includes('listening on'), api),
    ]);
    opts.log(`API: http://127.0.0.1:${apiPort}, ${opts.workers} worker processes`);
    return { apiUrl: `http://127.0.0.1:${apiPort}`, redisUrl, sharedRedis, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function withRedis<T>(url: string, use: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(url, { maxRetriesPerRequest: 3 });
  try {
    return await use(r);
  } finally {
    r.disconnect();
  }
}

/**
 * Every key of the demo's queues (jobs, events, meta), once no process of the demo uses them,
 * and the dataset generation counter if the demo created it.
 */
async function removeFromRedis(redisUrl: string, names: string[], counterExisted: boolean): Promise<void> {
  if (!counterExisted) await withRedis(redisUrl, (r) => r.del(DATASET_GENERATIONS_KEY));
  // The demo's sweep, deleted through the API, is kept as a finished delete for a worker's later
  // sweep-up; every demo worker has stopped, so no writer is left to add files: forget it now.
  await withRedis(redisUrl, async (r) => {
    const store = new RedisSweepStore(r);
    for (const d of await store.finishedDeletes())
      if (names.includes(d.queue)) await store.forgetFinishedDelete(d.id);
  });
  for (const name of names) {
    const q = new Queue(name, { connection: { url: redisUrl, maxRetriesPerRequest: 3 } });
    try {
      await q.obliterate({ force: true });
    } finally {
      await q.close();
    }
  }
}

function collect(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  return () => out;
}

async function waitFor(
  what: string,
  ready: () => boolean,
  child?: ChildProcess,
  timeoutMs = 60_000,
): Promise<void> {
  const t0 = Date.now();
  while (!ready()) {
    if (child && child.exitCode !== null)
      throw new Error(`${what} exited with code ${child.exitCode} while starting`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what} did not start within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM, then SIGKILL after 15 s. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
    s.on('error', fail);
  });
}
