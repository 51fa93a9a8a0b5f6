import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startWorker, until, type WorkerProcess } from '../../apps/worker/test/processes';

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
  } = {},
): Promise<Stack> {
  const root = await mkdtemp(join(tmpdir(), 'vaecf-stack-'));
  const dataRoot = join(root, 'data');
  await mkdir(dataRoot);
  await copyFile(BUNDLED, join(dataRoot, 'ratings.csv.gz'));
  const queues = { VAECF_TRIALS_QUEUE: `test-${randomUUID()}`, VAECF_DATASETS_QUEUE: `test-${randomUUID()}` };
  const env = {
    ...process.env,
    ...queues,
    VAECF_ARTIFACTS_DIR: join(root, 'artifacts'),
    VAECF_DATA_ROOT: dataRoot,
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
  };
  const token = opts.token ?? 'secret-token';
  let log = '';
  const api: ChildProcess = spawn(process.execPath, [API_MAIN], {
    env: { ...env, PORT: '0', API_TOKEN: token, ...opts.apiEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  api.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  api.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  const port = await until('the API to listen', async () => /listening on :(\d+)/.exec(log)?.[1], 30_000);
  const worker = startWorker(`stack-${port}`, {
    ...queues,
    VAECF_ARTIFACTS_DIR: env.VAECF_ARTIFACTS_DIR,
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
    apiLog: () => log,
    async stop() {
      api.kill('SIGKILL');
      worker.kill9();
      await rm(root, { recursive: true, force: true });
    },
  };
}
