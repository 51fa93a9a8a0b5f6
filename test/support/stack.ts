import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startWorker, until, type WorkerProcess } from '../../apps/worker/test/processes';
import { apiCaller } from './api-call';
import { startS3Server, type S3Server } from './s3-server';

export const API_MAIN = resolve(__dirname, '../../apps/api/dist/main.js');
export const BUNDLED = resolve(__dirname, '../../examples/data/synthetic-ml.csv.gz');

/** The built API and one worker as real processes on queues of their own, a data root holding the bundled ratings. */
export interface Stack {
  readonly root: string;
  readonly dataRoot: string;
  readonly base: string;
  readonly token: string;
  /** The queue names of this stack (the API's and the worker's). */
  readonly queues: { readonly VAECF_TRIALS_QUEUE: string; readonly VAECF_DATASETS_QUEUE: string };
  readonly worker: WorkerProcess;
  /** The S3 server holding the artifacts, with `artifacts: 's3'`. */
  readonly s3?: S3Server;
  /** The environment that names the stack's artifact store (for more processes on it). */
  readonly artifactsEnv: Record<string, string>;
  apiLog(): string;
  stop(): Promise<void>;
}

export async function startStack(
  opts: {
    token?: string;
    apiEnv?: Record<string, string>;
    workerEnv?: Record<string, string>;
    /** Another Redis than REDIS_URL's, for the API and the worker alike. */
    redisUrl?: string;
    /**
     * Where artifacts live: a directory shared by the API and the worker (default), or an S3
     * server started for the stack, with no shared directory (each process its own cache).
     */
    artifacts?: 'filesystem' | 's3';
  } = {},
): Promise<Stack> {
  const root = await mkdtemp(join(tmpdir(), 'vaecf-stack-'));
  const dataRoot = join(root, 'data');
  await mkdir(dataRoot);
  await copyFile(BUNDLED, join(dataRoot, 'ratings.csv.gz'));
  const queues = { VAECF_TRIALS_QUEUE: `test-${randomUUID()}`, VAECF_DATASETS_QUEUE: `test-${randomUUID()}` };
  const s3 = opts.artifacts === 's3' ? await startS3Server() : undefined;
  const artifacts: Record<string, string> = s3
    ? s3.env(`stack-${randomUUID()}`)
    : { VAECF_ARTIFACTS_DIR: join(root, 'artifacts') };
  const env = {
    ...process.env,
    ...queues,
    ...artifacts,
    VAECF_DATA_ROOT: dataRoot,
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
  };
  const token = opts.token ?? 'secret-token';
  let log = '';
  const api: ChildProcess = spawn(process.execPath, [API_MAIN], {
    env: { ...env, PORT: '0', API_TOKEN: token, VAECF_CACHE_DIR: join(root, 'cache-api'), ...opts.apiEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  api.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  api.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  const port = await until('the API to listen', async () => /listening on :(\d+)/.exec(log)?.[1], 30_000);
  const worker = startWorker(`stack-${port}`, {
    ...queues,
    ...artifacts,
    VAECF_CACHE_DIR: join(root, 'cache-worker'),
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
    ...opts.workerEnv,
  });
  return {
    root,
    dataRoot,
    base: `http://127.0.0.1:${port}`,
    token,
    queues,
    worker,
    s3,
    artifactsEnv: artifacts,
    apiLog: () => log,
    async stop() {
      api.kill('SIGKILL');
      worker.kill9();
      await s3?.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * Registers the bundled ratings (the stack's `ratings.csv.gz`, MovieLens CSV) as dataset `id`
 * through the stack's API and waits for it to be prepared. Throws, saying why, when the API does
 * not answer 201 or the preparation fails.
 */
export async function readyBundled(
  stack: Stack,
  id: string,
  opts: { heldoutUsers?: number } = {},
): Promise<void> {
  const call = apiCaller(() => stack);
  const r = await call('POST', '/datasets', { id, path: 'ratings.csv.gz', format: 'movielens-csv', ...opts });
  if (r.status !== 201)
    throw new Error(`POST /datasets ${id}: ${r.status}, not 201: ${JSON.stringify(r.body)}`);
  await until(`dataset ${id} to be ready`, async () => {
    const d = (await call('GET', `/datasets/${id}`)).body as { state: string; error?: string };
    if (d.state === 'failed') throw new Error(`dataset ${id} failed: ${d.error}`);
    return d.state === 'ready';
  });
}
