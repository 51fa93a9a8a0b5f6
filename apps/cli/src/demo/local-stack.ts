import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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
  const stop = async () => {
    for (const c of [...children].reverse()) await terminate(c);
  };
  try {
    let redisUrl = process.env.REDIS_URL;
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
    const suffix = `demo-${process.pid}`;
    const env = {
      ...process.env,
      REDIS_URL: redisUrl,
      // The demo's own directory, whatever artifact store the caller's environment names.
      VAECF_ARTIFACTS: join(opts.workDir, 'artifacts'),
      VAECF_ARTIFACTS_DIR: join(opts.workDir, 'artifacts'),
      VAECF_DATA_ROOT: opts.dataRoot,
      VAECF_TRIALS_QUEUE: `vaecf-trials-${suffix}`,
      VAECF_DATASETS_QUEUE: `vaecf-datasets-${suffix}`,
      API_TOKEN: '',
    };
    const apiPort = await freePort();
    const api = spawn(process.execPath, [API_MAIN], {
      env: { ...env, PORT: String(apiPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(api);
    const apiLog = collect(api);
    for (let k = 0; k < opts.workers; k++) {
      const w = spawn(process.execPath, [WORKER_MAIN], {
        env: { ...env, WORKER_ID: `demo-worker-${k + 1}`, WORKER_METRICS_PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(w);
      const log = collect(w);
      await waitFor(`worker ${k + 1}`, () => log().includes('ready'), w);
    }
    await waitFor('the API', () => apiLog().includes('listening on'), api);
    opts.log(`API: http://127.0.0.1:${apiPort}, ${opts.workers} worker processes`);
    return { apiUrl: `http://127.0.0.1:${apiPort}`, redisUrl, stop };
  } catch (e) {
    await stop();
    throw e;
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
